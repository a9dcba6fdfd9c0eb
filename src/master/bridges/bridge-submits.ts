import type { Logger } from '../../log/index.js';
import { isSafeRef, parseRepoSpec, repoKey, type JobSubmitFrame } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Client } from '../hub/index.js';
import type { JobIntake, JobService } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

/** Request ids remembered, with the jobs they made: a bridge resends only its last few. */
const REMEMBERED_REQUESTS = 1000;

/**
 * Chat bridges' submits, each run once per request id: a bridge resends a submit it got no answer
 * to after a reconnect, and that gets the job the first made, whether the first is done (it is
 * remembered, and recognized from the store's recent jobs after a master restart) or still being
 * made (the resend waits for it, with the same outcome).
 */
export class BridgeSubmits {
  private readonly submitted = new Map<string, number>();
  /** Submits under way by request id. */
  private readonly submitting = new Map<string, Promise<JobRecord>>();
  /** The requests remembered from the store, loaded at start: submits wait for them. */
  private readonly loaded: Promise<void>;

  constructor(
    private readonly jobs: Pick<JobService, 'get' | 'list'>,
    private readonly intake: Pick<JobIntake, 'create'>,
    private readonly allowLocalRepos: boolean,
    /** A job was made for `client`'s submit (not a repeat). */
    private readonly made: (job: JobRecord, client: Client) => void,
    private readonly log: Logger,
  ) {
    this.loaded = this.recall();
  }

  /** The job for a submit: the one its request made already, or a new one. */
  async submit(client: Client, frame: JobSubmitFrame): Promise<JobRecord> {
    await this.loaded;
    const { requestId } = frame;
    const running = this.submitting.get(requestId);
    if (running) return running;
    const submitting = this.knownOrMade(client, frame);
    const done = () => {
      if (this.submitting.get(requestId) === submitting) this.submitting.delete(requestId);
    };
    submitting.then(done, done);
    this.submitting.set(requestId, submitting);
    return submitting;
  }

  /** A submit stored just before a restart is recognized when its bridge resends it afterwards. */
  private async recall(): Promise<void> {
    try {
      const recent = await this.jobs.list({ limit: REMEMBERED_REQUESTS });
      // Oldest first; what was submitted meanwhile is newer, and stays.
      for (const job of recent.reverse()) {
        if (typeof job.origin.requestId === 'string' && !this.submitted.has(job.origin.requestId)) this.remember(job.origin.requestId, job.id);
      }
    } catch (error) {
      this.log.error({ err: error }, 'could not read the recent jobs: a submit resent from before the start may run twice');
    }
  }

  private async knownOrMade(client: Client, frame: JobSubmitFrame): Promise<JobRecord> {
    const known = await this.madeFor(frame.requestId);
    if (known) return known;
    const job = await this.make(client, frame);
    this.remember(frame.requestId, job.id);
    this.made(job, client);
    return job;
  }

  private async make(client: Client, frame: JobSubmitFrame): Promise<JobRecord> {
    const repo = frame.repo === undefined ? undefined : parseRepoSpec(frame.repo, { allowLocal: this.allowLocalRepos });
    if (repo && 'error' in repo) throw new CodedError('bad_request', repo.error);
    if (frame.ref !== undefined && !isSafeRef(frame.ref)) throw new CodedError('bad_request', `"${frame.ref}" is not a branch, tag or commit name`);
    // Retention (`MASTER_RETENTION_DAYS`) prunes the last job of a chat thread left quiet long enough:
    // its next request starts a new Codex conversation, rather than failing for a job that is gone.
    const continues = frame.continueFrom !== undefined && (await this.found(frame.continueFrom)) !== undefined;
    return this.intake.create({
      prompt: frame.prompt,
      ...(frame.node === undefined ? {} : { node: frame.node }),
      ...(frame.tags === undefined ? {} : { tags: frame.tags }),
      ...(repo === undefined ? {} : { repo: repoKey(repo) }),
      ...(frame.ref === undefined ? {} : { ref: frame.ref }),
      ...(continues ? { continueFrom: frame.continueFrom } : {}),
      ...(frame.profileName === undefined ? {} : { profileName: frame.profileName }),
      ...(frame.mode === undefined ? {} : { mode: frame.mode }),
      ...(frame.attachments === undefined ? {} : { attachments: frame.attachments }),
      origin: { ...frame.origin, bridge: client.name, requestId: frame.requestId },
    });
  }

  /**
   * The job made for a request, if it is still that job. A commit that failed (disk full) took
   * the job back, and SQLite may have given its id to another since: the stored origin says whose.
   */
  private async madeFor(requestId: string): Promise<JobRecord | undefined> {
    const id = this.submitted.get(requestId);
    if (id === undefined) return undefined;
    const job = await this.found(id);
    if (job?.origin.requestId === requestId) return job;
    if (this.submitted.get(requestId) === id) this.submitted.delete(requestId);
    return undefined;
  }

  /** A job, or undefined when there is none. */
  private async found(id: number): Promise<JobRecord | undefined> {
    try {
      return await this.jobs.get(id);
    } catch (error) {
      if (error instanceof CodedError && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  private remember(requestId: string, jobId: number): void {
    this.submitted.set(requestId, jobId);
    if (this.submitted.size > REMEMBERED_REQUESTS) {
      const oldest = this.submitted.keys().next().value;
      if (oldest !== undefined) this.submitted.delete(oldest);
    }
  }
}
