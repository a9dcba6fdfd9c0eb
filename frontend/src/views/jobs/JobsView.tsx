import { useT } from '../../i18n/I18n';
import { Empty } from '../../ui/states';
import { JobDetail } from './JobDetail';
import { JobForm } from './JobForm';
import { JobList } from './JobList';

/** The form and the list side by side with the open job on a laptop; one column on a phone. */
export function JobsView({ jobId }: { jobId: number | undefined }) {
  const t = useT().jobList;
  return (
    <div className="jobs-layout">
      <h1 className="visually-hidden">{t.heading}</h1>
      <div className="jobs-side">
        <JobForm />
        <section className="card" aria-labelledby="jobs-title">
          <h2 id="jobs-title">{t.recent}</h2>
          <JobList selected={jobId} />
        </section>
      </div>
      {jobId === undefined ? (
        <section className="card job-detail">
          <Empty>{t.select}</Empty>
        </section>
      ) : (
        <JobDetail key={jobId} jobId={jobId} />
      )}
    </div>
  );
}
