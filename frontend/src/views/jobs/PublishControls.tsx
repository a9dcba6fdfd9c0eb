import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiRequestError, describeError } from '../../api/client';
import { applyJob } from '../../api/queries';
import { FINAL_STATUSES, type ChangeSummary, type Job, type Publication, type PublishMode } from '../../api/types';
import { formatTime } from '../../ui/format';
import { Feedback } from '../../ui/states';

const DOING: Record<PublishMode, string> = { branch: 'pushes the branch', pr: 'pushes the branch and opens a pull request' };

/**
 * Publishing a finished job's committed change: push its branch, or push and open a pull request
 * (the node does both, with its own GitHub credential). The master answers once the node has;
 * its answer, like a job that published itself, shows as the job's publication.
 */
export function PublishControls({ job, change }: { job: Job; change: ChangeSummary }) {
  const client = useQueryClient();
  const publish = useMutation({
    mutationFn: (mode: PublishMode) => api<Job>(`/jobs/${job.id}/publish`, { method: 'POST', body: { mode } }),
    onSuccess: (updated) => applyJob(client, updated),
  });
  const publication = job.result?.publication;
  const committed = change.headCommit !== undefined && change.branch !== undefined;
  return (
    <div className="publish" data-testid="publish">
      {committed && FINAL_STATUSES.has(job.status) && (
        <div className="publish-buttons" role="group" aria-label="Publish the change">
          <button type="button" disabled={publish.isPending} onClick={() => publish.mutate('branch')}>
            Push branch
          </button>
          <button type="button" className="primary" disabled={publish.isPending} onClick={() => publish.mutate('pr')}>
            Open pull request
          </button>
        </div>
      )}
      {!committed && <p className="muted">Uncommitted changes in the node’s working directory: there is no branch to publish.</p>}
      {publish.isPending && publish.variables !== undefined && (
        <p role="status" className="publish-pending">
          Publishing: the node {DOING[publish.variables]}…
        </p>
      )}
      {publish.isError && <PublishError error={publish.error} />}
      {publication && !publish.isPending && <PublicationView publication={publication} />}
    </div>
  );
}

/** A slow node is not a failure: the master still stores its answer, and the page shows it when it comes. */
function PublishError({ error }: { error: Error }) {
  if (error instanceof ApiRequestError && error.code === 'node_timeout') {
    return <p role="status">The node has not answered yet ({error.message}); its answer shows here when it comes.</p>;
  }
  return <Feedback kind="error">Not published: {describeError(error)}</Feedback>;
}

/** Where the change went: the pull request, the pushed branch, or why publishing failed. */
function PublicationView({ publication }: { publication: Publication }) {
  const { branch, pullRequest, pushedAt, error } = publication;
  return (
    <div className="publication" data-testid="publication" role="status">
      {error !== undefined && <p className="note note-error">Publishing failed: {error}</p>}
      {pullRequest && (
        <p>
          Pull request{' '}
          <a href={pullRequest.url} target="_blank" rel="noreferrer" data-testid="pr-link">
            #{pullRequest.number}
          </a>{' '}
          <span className="muted">{pullRequest.url}</span>
        </p>
      )}
      {pushedAt !== undefined && (
        <p>
          Branch <code>{branch}</code> pushed {formatTime(pushedAt)}.
        </p>
      )}
      {error === undefined && pushedAt === undefined && <p className="muted">Publishing {branch}…</p>}
    </div>
  );
}
