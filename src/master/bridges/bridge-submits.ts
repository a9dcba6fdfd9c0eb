import { createHash } from 'node:crypto';
import { isSafeRef, parseRepoSpec, repoKey, type JobSubmitFrame } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Client } from '../hub/index.js';
import type { JobAsk, JobIntake, JobService } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

/**
 * Chat bridges' submits, each run once per request id: a bridge resends a submit it got no answer
 * to after a reconnect, perhaps to another master sharing the database, or to this one after a
 * restart, and that gets the job the first made, whether the first is done or still being made.
 * The request id is the create's idempotency key (`bridge:<name>:<requestId>`), stored with the
 * job in one unit of work (`JobIntake.createOnce`): a create whose commit failed forgets its key
 * too, and every master reads the same keys.
 */
export class BridgeSubmits {
  constructor(
    private readonly jobs: Pick<JobService, 'get'>,
    private readonly intake: Pick<JobIntake, 'createOnce'>,
    private readonly allowLocalRepos: boolean,
    /** A job is `client`'s submit's (`created` now, or by an earlier send of it): its updates go there. */
    private readonly made: (job: JobRecord, client: Client, created: boolean) => void,
  ) {}

  /** The job for a submit: the one its request made already, or a new one. */
  async submit(client: Client, frame: JobSubmitFrame): Promise<JobRecord> {
    const key = { key: `bridge:${client.name}:${frame.requestId}`, fingerprint: createHash('sha256').update(JSON.stringify(frame)).digest('base64url') };
    const { job, created } = await this.intake.createOnce(await this.ask(client, frame), key);
    this.made(job, client, created);
    return job;
  }

  private async ask(client: Client, frame: JobSubmitFrame): Promise<JobAsk> {
    const repo = frame.repo === undefined ? undefined : parseRepoSpec(frame.repo, { allowLocal: this.allowLocalRepos });
    if (repo && 'error' in repo) throw new CodedError('bad_request', repo.error);
    if (frame.ref !== undefined && !isSafeRef(frame.ref)) throw new CodedError('bad_request', `"${frame.ref}" is not a branch, tag or commit name`);
    // Retention (`MASTER_RETENTION_DAYS`) prunes the last job of a chat thread left quiet long enough:
    // its next request starts a new Codex conversation, rather than failing for a job that is gone.
    const continues = frame.continueFrom !== undefined && (await this.found(frame.continueFrom)) !== undefined;
    return {
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
    };
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
}
