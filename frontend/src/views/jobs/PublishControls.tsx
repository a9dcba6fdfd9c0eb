import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiRequestError, describeError } from '../../api/client';
import { applyJob } from '../../api/queries';
import { FINAL_STATUSES, type ChangeSummary, type Job, type Publication, type PublishMode } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatTime } from '../../ui/format';
import { Feedback } from '../../ui/states';

/**
 * Publishing a finished job's committed change: push its branch, or push and open a pull request
 * (the node does both, with its own GitHub credential). The master answers once the node has;
 * its answer, like a job that published itself, shows as the job's publication.
 */
export function PublishControls({ job, change }: { job: Job; change: ChangeSummary }) {
  const client = useQueryClient();
  const t = useT().publish;
  const publish = useMutation({
    mutationFn: (mode: PublishMode) => api<Job>(`/jobs/${job.id}/publish`, { method: 'POST', body: { mode } }),
    onSuccess: (updated) => applyJob(client, updated),
  });
  const publication = job.result?.publication;
  const committed = change.headCommit !== undefined && change.branch !== undefined;
  return (
    <div className="publish" data-testid="publish">
      {committed && FINAL_STATUSES.has(job.status) && (
        <div className="publish-buttons" role="group" aria-label={t.group}>
          <button type="button" disabled={publish.isPending} onClick={() => publish.mutate('branch')}>
            {t.pushBranch}
          </button>
          <button type="button" className="primary" disabled={publish.isPending} onClick={() => publish.mutate('pr')}>
            {t.openPr}
          </button>
        </div>
      )}
      {!committed && <p className="muted">{t.uncommitted}</p>}
      {publish.isPending && publish.variables !== undefined && (
        <p role="status" className="publish-pending">
          {publish.variables === 'pr' ? t.doingPr : t.doingBranch}
        </p>
      )}
      {publish.isError && <PublishError error={publish.error} />}
      {publication && !publish.isPending && <PublicationView publication={publication} />}
    </div>
  );
}

/** A slow node is not a failure: the master still stores its answer, and the page shows it when it comes. */
function PublishError({ error }: { error: Error }) {
  const t = useT().publish;
  if (error instanceof ApiRequestError && error.code === 'node_timeout') {
    return <p role="status">{t.slowNode(error.message)}</p>;
  }
  return <Feedback kind="error">{t.notPublished(describeError(error))}</Feedback>;
}

/** Where the change went: the pull request, the pushed branch, or why publishing failed. */
function PublicationView({ publication }: { publication: Publication }) {
  const { branch, pullRequest, pushedAt, error } = publication;
  const t = useT().publish;
  return (
    <div className="publication" data-testid="publication" role="status">
      {error !== undefined && <p className="note note-error">{t.failed(error)}</p>}
      {pullRequest && (
        <p>
          {t.pullRequest}{' '}
          <a href={pullRequest.url} target="_blank" rel="noreferrer" data-testid="pr-link">
            #{pullRequest.number}
          </a>{' '}
          <span className="muted">{pullRequest.url}</span>
        </p>
      )}
      {pushedAt !== undefined && (
        <p>
          {t.branch} <code>{branch}</code> {t.pushed(formatTime(pushedAt))}
        </p>
      )}
      {error === undefined && pushedAt === undefined && <p className="muted">{t.publishing(branch)}</p>}
    </div>
  );
}
