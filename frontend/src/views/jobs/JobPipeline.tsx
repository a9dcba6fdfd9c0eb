import { useJobs } from '../../api/queries';
import type { Job, PipelineStep } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { Link } from '../../route';
import { StatusBadge } from '../../ui/StatusBadge';

/**
 * The steps of the job's pipeline, each a link: the jobs the list holds (it is kept live, and a
 * pipeline's steps are made one after another, so the recent ones are there). Steps not made yet
 * (the pipeline is still on an earlier one, or it ended) are not listed.
 */
export function JobPipeline({ job, pipeline }: { job: Job; pipeline: PipelineStep }) {
  const t = useT().jobDetail;
  const jobs = useJobs();
  const listed = (jobs.data?.pages ?? []).flatMap((page) => page.jobs).filter((other) => other.pipeline?.id === pipeline.id);
  const steps = [...new Map([...listed, job].map((step) => [step.id, step])).values()].sort((a, b) => (a.pipeline?.step ?? 0) - (b.pipeline?.step ?? 0));
  return (
    <nav className="pipeline" aria-label={t.pipelineSteps} data-testid="job-pipeline">
      <ol>
        {steps.map((step) => (
          <li key={step.id} data-step={step.pipeline?.step}>
            <Link to={`/jobs/${step.id}`} aria-current={step.id === job.id ? 'page' : undefined}>
              {t.stepLink(step.pipeline?.step ?? 0, step.pipeline?.role ?? '', step.id)}
            </Link>{' '}
            <StatusBadge status={step.status} />
          </li>
        ))}
      </ol>
    </nav>
  );
}
