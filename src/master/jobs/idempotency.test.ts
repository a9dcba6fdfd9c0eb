import { describe, expect, it } from 'vitest';
import type { IdempotencyRecord, JobRecord, JobStore } from '../store/index.js';
import { IdempotencyKeys } from './idempotency.js';

const at = new Date().toISOString();
const record = (id: number): JobRecord => ({ id, status: 'queued', prompt: `job ${id}`, target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, attempt: 0, createdAt: at, lastSeq: 0 });

/** The store's keys, each read answering a few turns later, as a server would. */
function slowKeys(): Pick<JobStore, 'idempotencyKey' | 'saveIdempotencyKey' | 'pruneIdempotencyKeys'> {
  const keys = new Map<string, IdempotencyRecord>();
  return {
    idempotencyKey: (key) => new Promise((resolve) => setTimeout(() => resolve(keys.get(key)), 5)),
    saveIdempotencyKey: (key, saved) => keys.set(key, saved),
    pruneIdempotencyKeys: () => undefined,
  };
}

/** A create that takes a few turns, counting its calls. */
function slowCreates(fail = 0): { create: () => Promise<JobRecord>; calls: () => number } {
  let calls = 0;
  return {
    create: () => {
      const id = ++calls;
      return new Promise((resolve, reject) => setTimeout(() => (id <= fail ? reject(new Error('over budget')) : resolve(record(id))), 5));
    },
    calls: () => calls,
  };
}

const show = (id: number) => Promise.resolve(record(id));

describe('Idempotency-Keys while creates are in flight', () => {
  it('makes one job for two requests with the same key at once: the second gets it as a repeat', async () => {
    const keys = new IdempotencyKeys(slowKeys() as JobStore);
    const { create, calls } = slowCreates();
    const key = { key: 'k1', fingerprint: 'f1' };
    const [first, second] = await Promise.all([keys.once(key, create, show), keys.once(key, create, show)]);
    expect(calls()).toBe(1);
    expect(first).toMatchObject({ created: true, job: { id: 1 } });
    expect(second).toMatchObject({ created: false, job: { id: 1 } });
    expect(await keys.once(key, create, show)).toMatchObject({ created: false, job: { id: 1 } });
  });

  it('refuses the same key with another request while the first is being made', async () => {
    const keys = new IdempotencyKeys(slowKeys() as JobStore);
    const { create } = slowCreates();
    const first = keys.once({ key: 'k1', fingerprint: 'f1' }, create, show);
    await expect(keys.once({ key: 'k1', fingerprint: 'other' }, create, show)).rejects.toThrow('Idempotency-Key "k1" was already used for a different request (job 1)');
    await expect(first).resolves.toMatchObject({ created: true });
  });

  it('saves no key beside a job whose create handed it to the store, and saves it for a create that did not', async () => {
    const store = slowKeys();
    const saved: string[] = [];
    const keys = new IdempotencyKeys({ ...store, saveIdempotencyKey: (key, record) => (saved.push(key), store.saveIdempotencyKey(key, record)) } as JobStore);
    const handing = await keys.once({ key: 'k1', fingerprint: 'f1' }, (given) => (keys.handOver(given), Promise.resolve(record(7))), show);
    expect(handing).toMatchObject({ created: true, job: { id: 7 } });
    expect(saved).toEqual([]);
    await keys.once({ key: 'k2', fingerprint: 'f2' }, () => Promise.resolve(record(8)), show);
    expect(saved).toEqual(['k2']);
    expect(await keys.once({ key: 'k2', fingerprint: 'f2' }, () => Promise.resolve(record(9)), show)).toMatchObject({ created: false, job: { id: 8 } });
  });

  it('lets a repeat make the job itself when the first create failed', async () => {
    const keys = new IdempotencyKeys(slowKeys() as JobStore);
    const { create, calls } = slowCreates(1);
    const key = { key: 'k1', fingerprint: 'f1' };
    const [first, second] = await Promise.allSettled([keys.once(key, create, show), keys.once(key, create, show)]);
    expect(first).toMatchObject({ status: 'rejected', reason: new Error('over budget') });
    expect(second).toMatchObject({ status: 'fulfilled', value: { created: true, job: { id: 2 } } });
    expect(calls()).toBe(2);
  });
});
