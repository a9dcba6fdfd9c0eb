import type { MasterConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { FINAL_JOB_STATUSES, JobStatusSchema } from '../protocol/index.js';
import { AttachmentFiles, AttachmentSender, Uploads } from './attachments/index.js';
import type { Fleet } from './fleet/fleet.js';
import type { Hub } from './hub/index.js';
import { JobIntake, JobService, Pipeline, UsageWatch } from './jobs/index.js';
import { ProfileService, type ProfilesFile } from './profiles/index.js';
import type { Store } from './store/index.js';
import { UsageService } from './usage/index.js';

const UNFINISHED = JobStatusSchema.options.filter((status) => !FINAL_JOB_STATUSES.has(status));

/** The job layer and what grew around it: profiles, usage and budgets, attachments, the pipeline. */
export interface JobServices {
  jobs: JobService;
  /** Where every request for a job comes in (profiles, budgets, files, `mode: multi`). */
  intake: JobIntake;
  profiles: ProfileService;
  usage: UsageService;
  watch: UsageWatch;
  files: AttachmentFiles;
  uploads: Uploads;
}

/**
 * Builds the job layer on one store and hub, with the profiles file as read at start
 * (`loadProfilesFile`). What it reads from the store is loaded by the caller before it serves:
 * `jobs.recover()` and `usage.load()`. `fleet`: the masters sharing the store (started before
 * `jobs.recover()`); absent, this master alone.
 */
export function createJobServices(config: MasterConfig, profilesFile: ProfilesFile | undefined, store: Store, hub: Hub, log: Logger, fleet?: Fleet): JobServices {
  const profiles = new ProfileService(store, profilesFile, log);
  const files = new AttachmentFiles(store.attachments);
  const sender = new AttachmentSender(files, hub, log);
  const jobs: JobService = new JobService(
    store.jobs,
    hub,
    {
      maxAttempts: config.jobs.maxAttempts,
      defaultTimeoutSec: config.jobs.defaultTimeoutSec,
      requeueGraceMs: config.jobs.requeueGraceSec * 1000,
      cancelWaitMs: config.jobs.cancelWaitSec * 1000,
      queueTimeoutSec: config.jobs.queueTimeoutSec,
      approvalTimeoutSec: config.jobs.approvalTimeoutSec,
      // Still this attempt on that node: a job re-queued meanwhile gets its files with its next assignment.
      onAssigned: (node, spec) => sender.send(node, spec, () => current(jobs, spec.id, node, spec.attempt)),
    },
    log,
    fleet,
  );
  const usage = new UsageService(store, config.budgets ?? {}, log, fleet?.config);
  const watch = new UsageWatch(jobs, usage, log);
  const steps = { create: jobs.create.bind(jobs), subscribe: jobs.subscribe.bind(jobs), unfinishedStored: () => store.jobs.withStatus(UNFINISHED) };
  const pipeline = new Pipeline(steps, profiles.agents, log);
  const intake = new JobIntake(jobs, profiles, watch, files, pipeline, config.jobs.allowLocalRepos);
  return { jobs, intake, profiles, usage, watch, files, uploads: new Uploads(files) };
}

/** Whether the job is still out on `node` in this attempt (from memory: the attachments go on the hot path). */
function current(jobs: JobService, id: number, node: string, attempt: number): boolean {
  const job = jobs.active(id);
  return job !== undefined && job.node === node && job.attempt === attempt && (job.status === 'assigned' || job.status === 'running');
}
