import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { apiBlob, describeError } from '../../api/client';
import { useJobDiff } from '../../api/queries';
import type { ChangeSummary, Job } from '../../api/types';
import { saveBlob } from '../../ui/download';
import { formatCount } from '../../ui/format';
import { ErrorState, Feedback } from '../../ui/states';
import { changeFiles, initiallyOpen, shortCommit, type ChangeFile } from './diff-model';
import { DiffFileView } from './DiffFile';
import { PublishControls } from './PublishControls';

/**
 * What the job changed: the stat, each file's unified diff (the first few open), the raw `.diff`
 * to download, and publishing. Chat answers link here (`/jobs/<id>#change`).
 */
export function JobChange({ job, change }: { job: Job; change: ChangeSummary }) {
  const diff = useJobDiff(job.id, change.files.length > 0);
  const files = useMemo(() => changeFiles(change, diff.data), [change, diff.data]);
  const section = useRef<HTMLElement>(null);

  // A link from a chat answer names this section; it appears only once the job has loaded.
  useEffect(() => {
    if (window.location.hash === '#change') section.current?.scrollIntoView();
  }, []);

  return (
    <section className="change" id="change" ref={section} aria-labelledby="change-title" data-testid="job-change">
      <h3 id="change-title">Change</h3>
      <ChangeStat change={change} />
      {(change.truncated || diff.data?.truncated === true) && (
        <p className="note note-warn" data-testid="diff-truncated">
          Truncated: the diff was cut at the node’s size limit. Every file is listed with its full counts; those past the cut show no lines.
        </p>
      )}
      <div className="change-actions">
        {change.files.length > 0 && <DownloadDiff jobId={job.id} />}
        <PublishControls job={job} change={change} />
      </div>
      {diff.isError && <ErrorState error={diff.error} retry={() => void diff.refetch()} />}
      {files.length > 0 && <DiffFiles files={files} loading={diff.isPending} />}
    </section>
  );
}

function ChangeStat({ change }: { change: ChangeSummary }) {
  const count = change.files.length;
  if (count === 0) return <p data-testid="change-stat">No files changed.</p>;
  return (
    <p className="change-stat" data-testid="change-stat">
      {formatCount(count)} file{count === 1 ? '' : 's'} changed <span className="added">+{formatCount(change.added)}</span>{' '}
      <span className="removed">−{formatCount(change.removed)}</span>
      {change.branch !== undefined && (
        <>
          {' '}
          · branch <code>{change.branch}</code>
        </>
      )}
      <span className="muted">
        {' '}
        · {shortCommit(change.baseCommit)}
        {change.headCommit !== undefined && ` → ${shortCommit(change.headCommit)}`}
      </span>
    </p>
  );
}

/** The files, each opened and closed on its own; expanding everything at once stays one click away. */
function DiffFiles({ files, loading }: { files: ChangeFile[]; loading: boolean }) {
  const [open, setOpen] = useState(() => initiallyOpen(files));
  const toggle = (key: string): void =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <>
      <div className="diff-tools">
        <button type="button" onClick={() => setOpen(new Set(files.map((f) => f.key)))}>
          Expand all
        </button>
        <button type="button" onClick={() => setOpen(new Set())}>
          Collapse all
        </button>
      </div>
      <ul className="diff-files" data-testid="diff-files">
        {files.map((file, index) => (
          <DiffFileView key={file.key} file={file} index={index} open={open.has(file.key)} loading={loading} onToggle={() => toggle(file.key)} />
        ))}
      </ul>
    </>
  );
}

/** Saves the raw diff (`git apply`-able): fetched with the token, which a plain link could not send. */
function DownloadDiff({ jobId }: { jobId: number }) {
  const download = useMutation({ mutationFn: async () => saveBlob(await apiBlob(`/jobs/${jobId}/diff`), `job-${jobId}.diff`) });
  return (
    <div className="download">
      <button type="button" disabled={download.isPending} onClick={() => download.mutate()}>
        {download.isPending ? 'Downloading…' : 'Download .diff'}
      </button>
      {download.isError && <Feedback kind="error">Not downloaded: {describeError(download.error)}</Feedback>}
    </div>
  );
}
