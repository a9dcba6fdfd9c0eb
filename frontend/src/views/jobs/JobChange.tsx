import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { apiBlob, describeError } from '../../api/client';
import { useJobDiff } from '../../api/queries';
import type { ChangeSummary, Job } from '../../api/types';
import { saveBlob } from '../../ui/download';
import { useT } from '../../i18n/I18n';
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
  const t = useT().change;

  // A link from a chat answer names this section; it appears only once the job has loaded.
  useEffect(() => {
    if (window.location.hash === '#change') section.current?.scrollIntoView();
  }, []);

  return (
    <section className="change" id="change" ref={section} aria-labelledby="change-title" data-testid="job-change">
      <h3 id="change-title">{t.title}</h3>
      <ChangeStat change={change} />
      {(change.truncated || diff.data?.truncated === true) && (
        <p className="note note-warn" data-testid="diff-truncated">
          {t.truncated}
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
  const t = useT().change;
  const count = change.files.length;
  if (count === 0) return <p data-testid="change-stat">{t.noFiles}</p>;
  return (
    <p className="change-stat" data-testid="change-stat">
      {t.filesChanged(count, formatCount(count))} <span className="added">+{formatCount(change.added)}</span>{' '}
      <span className="removed">−{formatCount(change.removed)}</span>
      {change.branch !== undefined && (
        <>
          {' '}
          · {t.branch} <code>{change.branch}</code>
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
  const t = useT().change;
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
          {t.expandAll}
        </button>
        <button type="button" onClick={() => setOpen(new Set())}>
          {t.collapseAll}
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
  const t = useT().change;
  const download = useMutation({ mutationFn: async () => saveBlob(await apiBlob(`/jobs/${jobId}/diff`), `job-${jobId}.diff`) });
  return (
    <div className="download">
      <button type="button" disabled={download.isPending} onClick={() => download.mutate()}>
        {download.isPending ? t.downloading : t.download}
      </button>
      {download.isError && <Feedback kind="error">{t.notDownloaded(describeError(download.error))}</Feedback>}
    </div>
  );
}
