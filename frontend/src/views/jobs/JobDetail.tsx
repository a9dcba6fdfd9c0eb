import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, describeError } from '../../api/client';
import { applyJob, useJob } from '../../api/queries';
import { FINAL_STATUSES, type Job, type JobProfile, type PublishMode } from '../../api/types';
import { formatSpan, formatTime } from '../../ui/format';
import { ErrorState, Feedback, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { JobChange } from './JobChange';
import { JobLog } from './JobLog';
import { JobResult } from './JobResult';
import { pendingOf, waitingText } from './questions/question-model';
import { JobQuestions } from './questions/JobQuestions';
import { useJobLog } from './useJobLog';

/** One job: what was asked, where it runs, its live log, and its result and change once it has ended. */
export function JobDetail({ jobId }: { jobId: number }) {
  const job = useJob(jobId);
  const heading = useRef<HTMLHeadingElement>(null);

  // Opening a job (a click in the list, a deep link) takes the reader to it, on a phone too.
  useEffect(() => heading.current?.focus(), [jobId]);

  return (
    <section className="card job-detail" aria-labelledby="job-title">
      <h2 id="job-title" ref={heading} tabIndex={-1}>
        Job #{jobId}
      </h2>
      {job.isPending ? <Loading what="the job" /> : job.isError ? <ErrorState error={job.error} retry={() => void job.refetch()} /> : <JobBody job={job.data} />}
    </section>
  );
}

function JobBody({ job }: { job: Job }) {
  const client = useQueryClient();
  const { log, state } = useJobLog(job.id);
  const cancel = useMutation({
    mutationFn: () => api<Job>(`/jobs/${job.id}/cancel`, { method: 'POST' }),
    onSuccess: (updated) => applyJob(client, updated),
  });
  const ended = FINAL_STATUSES.has(job.status);

  return (
    <>
      <div className="job-head">
        {/* Announced when it changes: queued → running → succeeded. */}
        <p role="status" aria-live="polite" data-testid="job-status">
          Status <StatusBadge status={job.status} />
        </p>
        {!ended && (
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel job'}
          </button>
        )}
      </div>
      {cancel.isError && <Feedback kind="error">Not cancelled: {describeError(cancel.error)}</Feedback>}
      <blockquote className="prompt">{job.prompt}</blockquote>
      <dl className="facts">
        <Fact term="Node" value={job.node ?? (job.target.node ? `waiting for ${job.target.node}` : 'any')} />
        {job.target.tags.length > 0 && <Fact term="Tags" value={job.target.tags.join(', ')} />}
        <Fact term="Repository" value={job.repo ? `${job.repo}${job.ref ? ` @ ${job.ref}` : ''}` : 'node working directory'} />
        <Fact term="Profile" value={profileText(job.profile)} />
        <Fact term="Created" value={formatTime(job.createdAt)} />
        {job.finishedAt && <Fact term="Finished" value={formatTime(job.finishedAt)} />}
        {job.attempt > 1 && <Fact term="Attempt" value={String(job.attempt)} />}
      </dl>
      {job.error && !job.result && <p className="note note-error">{job.error}</p>}
      {/* A pending question says it better, with its buttons. */}
      {job.waiting && pendingOf(job.questions).length === 0 && (
        <p className="note note-warn" data-testid="job-waiting">
          {waitingText(job.waiting)}
        </p>
      )}
      <JobQuestions job={job} />
      <h3>Log</h3>
      <JobLog items={log.items} state={state} />
      {job.result && <JobResult result={job.result} />}
      {job.result?.change && <JobChange job={job} change={job.result.change} />}
    </>
  );
}

const PUBLISH_LABEL: Record<PublishMode, string> = { branch: 'publish: branch', pr: 'publish: pull request' };

function profileText({ model, sandbox, approvalPolicy, publish, approvalTimeoutSec }: JobProfile): string {
  const questionsWait = approvalTimeoutSec && `questions wait ${formatSpan(approvalTimeoutSec)}`;
  return [model, sandbox, approvalPolicy, questionsWait, publish && PUBLISH_LABEL[publish]].filter(Boolean).join(' · ') || 'node defaults';
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
