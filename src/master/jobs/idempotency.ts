import { CodedError } from '../coded-error.js';
import type { JobRecord, JobStore } from '../store/index.js';

/** How long an `Idempotency-Key` names the job it made: a retry comes within seconds, 24 h is generous. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired keys are deleted at most this often, by a create that brings a key (no timer). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** An `Idempotency-Key` and a digest of the request it came with. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/**
 * The `Idempotency-Key`s of creates, in the store (so a retry after a master restart is recognized)
 * and in the same transaction as the job they made (so a rolled-back create forgets its key too).
 * Creates without a key never touch them.
 */
export class IdempotencyKeys {
  private prunedAt = 0;

  constructor(private readonly store: JobStore) {}

  /**
   * `create()` once per key within 24 h: a repeat gets the job the key made, as `show` gives it now
   * (`created` false); the same key with another request is a `conflict`.
   */
  once(idempotency: IdempotencyKey, create: () => JobRecord, show: (id: number) => JobRecord): { job: JobRecord; created: boolean } {
    const now = Date.now();
    const made = this.find(idempotency, now);
    if (made !== undefined) return { job: show(made), created: false };
    const job = create();
    this.remember(idempotency, job.id, job.createdAt, now);
    return { job, created: true };
  }

  /**
   * The id of the job this key made within the last 24 h, if any; a `conflict` when that job was
   * made from a different request (a reused key is a client bug that must not go unnoticed).
   */
  private find({ key, fingerprint }: IdempotencyKey, nowMs: number): number | undefined {
    const known = this.store.idempotencyKey(key);
    if (!known || nowMs - Date.parse(known.createdAt) >= IDEMPOTENCY_TTL_MS) return undefined;
    if (known.fingerprint !== fingerprint) {
      throw new CodedError('conflict', `Idempotency-Key ${JSON.stringify(key)} was already used for a different request (job ${known.jobId}); send a new key for a new job`);
    }
    return known.jobId;
  }

  /** Records that `key` made job `jobId`, and now and then forgets expired keys. */
  private remember({ key, fingerprint }: IdempotencyKey, jobId: number, createdAt: string, nowMs: number): void {
    this.store.saveIdempotencyKey(key, { jobId, fingerprint, createdAt });
    if (nowMs - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = nowMs;
    this.store.pruneIdempotencyKeys(new Date(nowMs - IDEMPOTENCY_TTL_MS).toISOString());
  }
}
