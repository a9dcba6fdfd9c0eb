import { useJobs } from '../../api/queries';
import type { Job } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { Link } from '../../route';
import { formatTime } from '../../ui/format';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { pendingOf, waitingText } from './questions/question-model';

/** Newest first, statuses kept live by the event stream; older pages on request. */
export function JobList({ selected }: { selected: number | undefined }) {
  const jobs = useJobs();
  const t = useT().jobList;
  if (jobs.isPending) return <Loading what={t.what} />;
  if (jobs.isError) return <ErrorState error={jobs.error} retry={() => void jobs.refetch()} />;
  const list = jobs.data.pages.flatMap((page) => page.jobs);
  if (list.length === 0) return <Empty>{t.none}</Empty>;
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
                {job.node ?? job.target.node ?? t.anyNode} · {formatTime(job.createdAt)}
              </span>
              <Waiting job={job} />
            </Link>
          </li>
        ))}
      </ul>
      {jobs.hasNextPage && (
        <button type="button" onClick={() => void jobs.fetchNextPage()} disabled={jobs.isFetchingNextPage}>
          {jobs.isFetchingNextPage ? t.loading : t.older}
        </button>
      )}
    </>
  );
}

/** What the job waits for: an answer to Codex (said first: someone can act on it), or a node. */
function Waiting({ job }: { job: Job }) {
  const t = useT().jobList;
  const pending = pendingOf(job.questions).length;
  const text = pending > 0 ? t.waitingAnswer(pending) : job.waiting && waitingText(job.waiting);
  if (!text) return null;
  return (
    <span className={`job-waiting${pending > 0 ? ' job-waiting-answer' : ''}`} data-testid="job-waiting">
      {text}
    </span>
  );
}
