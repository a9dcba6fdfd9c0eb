import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, describeError } from '../../api/client';
import { applyJob, useJob } from '../../api/queries';
import { FINAL_STATUSES, type Job, type JobProfile, type PublishMode } from '../../api/types';
import type { Catalog } from '../../i18n/en/index.js';
import { useT } from '../../i18n/I18n';
import { formatSpan, formatTime } from '../../ui/format';
import { ErrorState, Feedback, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { JobChange } from './JobChange';
import { JobLog } from './JobLog';
import { JobPipeline } from './JobPipeline';
import { JobResult } from './JobResult';
import { LogSearch } from './LogSearch';
import { pendingOf, waitingText } from './questions/question-model';
import { JobQuestions } from './questions/JobQuestions';
import { useJobLog } from './useJobLog';

/** One job: what was asked, where it runs, its live log, and its result and change once it has ended. */
export function JobDetail({ jobId }: { jobId: number }) {
  const job = useJob(jobId);
  const heading = useRef<HTMLHeadingElement>(null);
  const t = useT().jobDetail;

  // Opening a job (a click in the list, a deep link) takes the reader to it, on a phone too.
  useEffect(() => heading.current?.focus(), [jobId]);

  return (
    <section className="card job-detail" aria-labelledby="job-title">
      <h2 id="job-title" ref={heading} tabIndex={-1}>
        {t.title(jobId)}
      </h2>
      {job.isError && <ErrorState error={job.error} retry={() => void job.refetch()} />}
      {/* A read that failed leaves the job shown as it was: someone may be typing an answer in it. */}
      {job.data === undefined ? job.isPending && <Loading what={t.what} /> : <JobBody job={job.data} />}
    </section>
  );
}

function JobBody({ job }: { job: Job }) {
  const client = useQueryClient();
  const log = useJobLog(job.id, job.lastSeq);
  const cancel = useMutation({
    mutationFn: () => api<Job>(`/jobs/${job.id}/cancel`, { method: 'POST' }),
    onSuccess: (updated) => applyJob(client, updated),
  });
  const ended = FINAL_STATUSES.has(job.status);
  const t = useT().jobDetail;

  return (
    <>
      <div className="job-head">
        {/* Announced when it changes: queued → running → succeeded. */}
        <p role="status" aria-live="polite" data-testid="job-status">
          {t.status} <StatusBadge status={job.status} />
        </p>
        {!ended && (
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {cancel.isPending ? t.cancelling : t.cancel}
          </button>
        )}
      </div>
      {cancel.isError && <Feedback kind="error">{t.notCancelled(describeError(cancel.error))}</Feedback>}
      <blockquote className="prompt">{job.prompt}</blockquote>
      <dl className="facts">
        <Fact term={t.node} value={job.node ?? (job.target.node ? t.waitingFor(job.target.node) : t.any)} />
        {job.target.tags.length > 0 && <Fact term={t.tags} value={job.target.tags.join(', ')} />}
        <Fact term={t.repository} value={job.repo ? `${job.repo}${job.ref ? ` @ ${job.ref}` : ''}` : t.workingDirectory} />
        {job.profileName !== undefined && <Fact term={t.profile} value={job.profileName} testId="job-profile" />}
        <Fact term={t.settings} value={profileText(job.profile, t)} />
        {job.pipeline && <Fact term={t.pipeline} value={t.pipelineStep(job.pipeline.step, job.pipeline.steps, job.pipeline.role)} testId="job-pipeline-step" />}
        <Fact term={t.created} value={formatTime(job.createdAt)} />
        {job.finishedAt && <Fact term={t.finished} value={formatTime(job.finishedAt)} />}
        {job.attempt > 1 && <Fact term={t.attempt} value={String(job.attempt)} />}
      </dl>
      {job.pipeline && <JobPipeline job={job} pipeline={job.pipeline} />}
      {job.error && !job.result && <p className="note note-error">{job.error}</p>}
      {/* A pending question says it better, with its buttons. */}
      {job.waiting && pendingOf(job.questions).length === 0 && (
        <p className="note note-warn" data-testid="job-waiting">
          {waitingText(job.waiting)}
        </p>
      )}
      <JobQuestions job={job} />
      <h3>{t.log}</h3>
      <LogSearch jobId={job.id} onJump={(seq) => void log.store.jumpTo(seq)} />
      <JobLog view={log.view} actions={log.store} />
      {job.result && <JobResult result={job.result} />}
      {job.result?.change && <JobChange job={job} change={job.result.change} />}
    </>
  );
}

function profileText({ model, sandbox, approvalPolicy, reasoningEffort, publish, approvalTimeoutSec }: JobProfile, t: Catalog['jobDetail']): string {
  const questionsWait = approvalTimeoutSec && t.questionsWait(formatSpan(approvalTimeoutSec));
  const published: Record<PublishMode, string> = { branch: t.publishBranch, pr: t.publishPr };
  return [model, sandbox, approvalPolicy, reasoningEffort, questionsWait, publish && published[publish]].filter(Boolean).join(' · ') || t.nodeDefaults;
}

function Fact({ term, value, testId }: { term: string; value: string; testId?: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
