import type { Attachment, RunMode } from '../../protocol/index.js';
import type { AttachmentFiles } from '../attachments/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { JobRecord } from '../store/index.js';
import { withProfile } from './apply-profile.js';
import type { IdempotencyKey } from './idempotency.js';
import type { JobService } from './job-service.js';
import type { Pipeline } from './pipeline.js';
import type { JobRequest } from './types.js';
import type { UsageWatch } from './usage-watch.js';

/** A request as the API and the bridges take it: a named profile, a mode, files. */
export interface JobAsk extends JobRequest {
  profileName?: string;
  mode?: RunMode;
  attachments?: Attachment[];
}

/**
 * Where every request for a job comes in (the API, the dashboard, the chat bridges): its named
 * profile fills what it leaves unset, its files must be stored, its owner must be within the day's
 * budgets (`over_budget`), and `mode: multi` starts the agents' pipeline instead of one job.
 */
export class JobIntake {
  constructor(
    private readonly jobs: Pick<JobService, 'create' | 'createOnce' | 'cancel' | 'get'>,
    private readonly profiles: Pick<ProfileService, 'get'>,
    private readonly watch: Pick<UsageWatch, 'checkCreate'>,
    private readonly files: Pick<AttachmentFiles, 'check'>,
    private readonly pipeline: Pick<Pipeline, 'start' | 'cancelTarget'>,
    private readonly allowLocalRepos: boolean,
  ) {}

  /** `idempotency`: the key the job is made for, stored with it (a pipeline's, with its first step). */
  async create(ask: JobAsk, idempotency?: IdempotencyKey): Promise<JobRecord> {
    const { request, multi } = await this.resolve(ask);
    await this.watch.checkCreate(request.origin);
    return multi ? this.pipeline.start(request, idempotency) : this.jobs.create(request, idempotency);
  }

  /** `create` once per `Idempotency-Key`: a repeat gets the first one's job, budgets or not. */
  createOnce(ask: JobAsk, key: IdempotencyKey): Promise<{ job: JobRecord; created: boolean }> {
    return this.jobs.createOnce(key, (given) => this.create(ask, given));
  }

  /** Cancels a job; a pipeline's finished step stands for its pipeline, so its running step is cancelled. */
  async cancel(id: number): Promise<JobRecord> {
    return this.jobs.cancel(await this.pipeline.cancelTarget(await this.jobs.get(id)));
  }

  private async resolve(ask: JobAsk): Promise<{ request: JobRequest; multi: boolean }> {
    const { mode, ...request } = ask;
    if (request.attachments !== undefined) await this.files.check(request.attachments);
    const resolved = request.profileName === undefined ? request : withProfile(request, await this.profiles.get(request.profileName), this.allowLocalRepos);
    return { request: resolved, multi: mode === 'multi' };
  }
}
