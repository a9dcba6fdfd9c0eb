import { describe, expect, it } from 'vitest';
import type { IdempotencyRecord, JobRecord, JobStore } from '../store/index.js';
import { IdempotencyKeys, type KeyedCreate } from './idempotency.js';

const at = new Date().toISOString();
const record = (id: number): JobRecord => ({ id, status: 'queued', prompt: `job ${id}`, target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, attempt: 0, createdAt: at, lastSeq: 0 });

/**
 * The store's keys, each read answering a few turns later, as a server would, and creates that
 * take a few turns, counted; a create stores the key it is given with its job, as `JobStore.create`
 * does, unless `keeps` is false. The first `fail` creates fail.
 */
function slowStore(fail = 0, keeps = true): { store: JobStore; create: KeyedCreate; calls: () => number } {
  const keys = new Map<string, IdempotencyRecord>();
  const reads: Pick<JobStore, 'idempotencyKey' | 'pruneIdempotencyKeys'> = {
    idempotencyKey: (key) => new Promise((resolve) => setTimeout(() => resolve(keys.get(key)), 5)),
    pruneIdempotencyKeys: () => undefined,
  };
  let calls = 0;
  const create: KeyedCreate = ({ key, fingerprint }) => {
    const id = ++calls;
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        if (id <= fail) return reject(new Error('over budget'));
        if (keeps) keys.set(key, { jobId: id, fingerprint, createdAt: at });
        resolve(record(id));
      }, 5),
    );
  };
  // Anything else of the store is not for IdempotencyKeys to call: it would throw.
  return { store: reads as JobStore, create, calls: () => calls };
}

const show = (id: number) => Promise.resolve(record(id));

describe('Idempotency-Keys while creates are in flight', () => {
  it('makes one job for two requests with the same key at once: the second gets it as a repeat', async () => {
    const { store, create, calls } = slowStore();
    const keys = new IdempotencyKeys(store);
    const key = { key: 'k1', fingerprint: 'f1' };
    const [first, second] = await Promise.all([keys.once(key, create, show), keys.once(key, create, show)]);
    expect(calls()).toBe(1);
    expect(first).toMatchObject({ created: true, job: { id: 1 } });
    expect(second).toMatchObject({ created: false, job: { id: 1 } });
    expect(await keys.once(key, create, show)).toMatchObject({ created: false, job: { id: 1 } });
  });

  it('refuses the same key with another request while the first is being made', async () => {
    const { store, create } = slowStore();
    const keys = new IdempotencyKeys(store);
    const first = keys.once({ key: 'k1', fingerprint: 'f1' }, create, show);
    await expect(keys.once({ key: 'k1', fingerprint: 'other' }, create, show)).rejects.toThrow('Idempotency-Key "k1" was already used for a different request (job 1)');
    await expect(first).resolves.toMatchObject({ created: true });
  });

  it('stores no key of its own: the create stores it with its job, or it is not stored', async () => {
    const { store, create, calls } = slowStore(0, false);
    const keys = new IdempotencyKeys(store);
    const key = { key: 'k1', fingerprint: 'f1' };
    expect(await keys.once(key, create, show)).toMatchObject({ created: true, job: { id: 1 } });
    // A create that kept no key (its unit of work rolled back, say) leaves nothing to find: the repeat is made again.
    expect(await keys.once(key, create, show)).toMatchObject({ created: true, job: { id: 2 } });
    expect(calls()).toBe(2);
  });

  it('lets a repeat make the job itself when the first create failed', async () => {
    const { store, create, calls } = slowStore(1);
    const keys = new IdempotencyKeys(store);
    const key = { key: 'k1', fingerprint: 'f1' };
    const [first, second] = await Promise.allSettled([keys.once(key, create, show), keys.once(key, create, show)]);
    expect(first).toMatchObject({ status: 'rejected', reason: new Error('over budget') });
    expect(second).toMatchObject({ status: 'fulfilled', value: { created: true, job: { id: 2 } } });
    expect(calls()).toBe(2);
  });
});
