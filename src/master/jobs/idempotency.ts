import { CodedError } from '../coded-error.js';
import type { IdempotencyKey, JobRecord, JobStore } from '../store/index.js';

export type { IdempotencyKey };

/** How long an `Idempotency-Key` names the job it made: a retry comes within seconds, 24 h is generous. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired keys are deleted at most this often, by a create that brings a key (no timer). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** A create with a key that is under way: what a second request with the key waits for. */
interface InFlight {
  fingerprint: string;
  job: Promise<JobRecord>;
}

type Once = { job: JobRecord; created: boolean };

/** Makes the job for a key, handing the key to `JobStore.create` with the job (so both are stored in one unit of work). */
export type KeyedCreate = (idempotency: IdempotencyKey) => Promise<JobRecord>;

/**
 * The `Idempotency-Key`s of creates, in the store (so a retry after a master restart is recognized)
 * and in the same unit of work as the job they made (`JobStore.create` stores both: a rolled-back
 * create forgets its key too, and no key names a job that is not there).
 * While a create with a key is under way (the store's reads and its insert are asynchronous), a
 * second request with the same key waits for it, rather than finding the key not stored yet and
 * making a second job. Creates without a key never touch them.
 */
export class IdempotencyKeys {
  private prunedAt = 0;
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly store: JobStore) {}

  /**
   * `create()` once per key within 24 h: a repeat gets the job the key made, as `show` gives it now
   * (`created` false); the same key with another request is a `conflict`.
   */
  async once(idempotency: IdempotencyKey, create: KeyedCreate, show: (id: number) => Promise<JobRecord>): Promise<Once> {
    const running = this.inFlight.get(idempotency.key);
    if (running) return this.join(running, idempotency, create, show);
    const made = this.findOrCreate(idempotency, create, show);
    const entry: InFlight = { fingerprint: idempotency.fingerprint, job: made.then(({ job }) => job) };
    // Its failure is this caller's to report; a request that joined it tries again on its own.
    entry.job.catch(() => undefined);
    this.inFlight.set(idempotency.key, entry);
    try {
      return await made;
    } finally {
      if (this.inFlight.get(idempotency.key) === entry) this.inFlight.delete(idempotency.key);
    }
  }

  /** A repeat of a create under way gets its job; when that create fails, the repeat runs on its own. */
  private async join(running: InFlight, idempotency: IdempotencyKey, create: KeyedCreate, show: (id: number) => Promise<JobRecord>): Promise<Once> {
    let made: JobRecord;
    try {
      made = await running.job;
    } catch {
      if (this.inFlight.get(idempotency.key) === running) this.inFlight.delete(idempotency.key);
      return this.once(idempotency, create, show);
    }
    if (running.fingerprint !== idempotency.fingerprint) throw reused(idempotency.key, made.id);
    return { job: await show(made.id), created: false };
  }

  private async findOrCreate(idempotency: IdempotencyKey, create: KeyedCreate, show: (id: number) => Promise<JobRecord>): Promise<Once> {
    const now = Date.now();
    const made = await this.find(idempotency, now);
    if (made !== undefined) return { job: await show(made), created: false };
    const job = await create(idempotency);
    this.prune(now);
    return { job, created: true };
  }

  /**
   * The id of the job this key made within the last 24 h, if any; a `conflict` when that job was
   * made from a different request (a reused key is a client bug that must not go unnoticed).
   */
  private async find({ key, fingerprint }: IdempotencyKey, nowMs: number): Promise<number | undefined> {
    const known = await this.store.idempotencyKey(key);
    if (!known || nowMs - Date.parse(known.createdAt) >= IDEMPOTENCY_TTL_MS) return undefined;
    if (known.fingerprint !== fingerprint) throw reused(key, known.jobId);
    return known.jobId;
  }

  /** Now and then forgets expired keys. */
  private prune(nowMs: number): void {
    if (nowMs - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = nowMs;
    this.store.pruneIdempotencyKeys(new Date(nowMs - IDEMPOTENCY_TTL_MS).toISOString());
  }
}

/** The same key with another request: a client bug that must not go unnoticed. */
function reused(key: string, jobId: number): CodedError {
  return new CodedError('conflict', `Idempotency-Key ${JSON.stringify(key)} was already used for a different request (job ${jobId}); send a new key for a new job`);
}
