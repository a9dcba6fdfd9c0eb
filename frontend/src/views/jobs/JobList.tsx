import { useJobs } from '../../api/queries';
import type { Job } from '../../api/types';
import { Link } from '../../route';
import { formatTime } from '../../ui/format';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { pendingOf, waitingText } from './questions/question-model';

/** Newest first, statuses kept live by the event stream; older pages on request. */
export function JobList({ selected }: { selected: number | undefined }) {
  const jobs = useJobs();
  if (jobs.isPending) return <Loading what="jobs" />;
  if (jobs.isError) return <ErrorState error={jobs.error} retry={() => void jobs.refetch()} />;
  const list = jobs.data.pages.flatMap((page) => page.jobs);
  if (list.length === 0) return <Empty>No jobs yet. Create the first one above.</Empty>;
  return (
    <>
      <ul className="job-list" data-testid="job-list">
        {list.map((job) => (
          <li key={job.id} data-job={job.id}>
            <Link to={`/jobs/${job.id}`} aria-current={job.id === selected ? 'page' : undefined}>
              <span className="job-id">#{job.id}</span>
              <StatusBadge status={job.status} />
              <span className="job-prompt">{job.prompt}</span>
              <span className="job-meta">
                {job.node ?? job.target.node ?? 'any node'} · {formatTime(job.createdAt)}
              </span>
              <Waiting job={job} />
            </Link>
          </li>
        ))}
      </ul>
      {jobs.hasNextPage && (
        <button type="button" onClick={() => void jobs.fetchNextPage()} disabled={jobs.isFetchingNextPage}>
          {jobs.isFetchingNextPage ? 'Loading…' : 'Load older jobs'}
        </button>
      )}
    </>
  );
}

/** What the job waits for: an answer to Codex (said first: someone can act on it), or a node. */
function Waiting({ job }: { job: Job }) {
  const pending = pendingOf(job.questions).length;
  const text = pending > 0 ? `Waiting for an answer${pending > 1 ? ` (${pending} questions)` : ''}` : job.waiting && waitingText(job.waiting);
  if (!text) return null;
  return (
    <span className={`job-waiting${pending > 0 ? ' job-waiting-answer' : ''}`} data-testid="job-waiting">
      {text}
    </span>
  );
}
