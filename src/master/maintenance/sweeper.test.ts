import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { JobEvent, JobStatus, SequencedJobEvent } from '../../protocol/index.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { coveredDeltas, settled, SqliteStore, type JobMaintenance } from '../store/index.js';
import { Sweeper, type SweeperOptions } from './sweeper.js';

afterAll(removeTempDirs);

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function openStore(): SqliteStore {
  const store = new SqliteStore(tempDir());
  stores.push(store);
  return store;
}

const newJob = (continueFrom?: number) => ({
  prompt: 'p',
  target: { tags: [] },
  profile: {},
  origin: { kind: 'api' as const },
  maxAttempts: 3,
  timeoutSec: 60,
  ...(continueFrom === undefined ? {} : { continueFrom }),
});

const EVENTS: Record<string, JobEvent> = {
  started: { kind: 'started', executor: 'echo' },
  delta: { kind: 'agent_message_delta', delta: 'wor' },
  message: { kind: 'agent_message', text: 'words' },
  command: { kind: 'command_started', command: 'ls' },
  log: { kind: 'log', level: 'info', message: 'x' },
};

/** A job with these events (by the short names above, `finished` last when it ended), ended `endedDaysAgo` if given. */
async function seed(store: SqliteStore, kinds: readonly string[], ended?: { daysAgo: number; status?: JobStatus }, continueFrom?: number): Promise<number> {
  const { id } = await store.jobs.create(newJob(continueFrom), daysAgo(400));
  const events: SequencedJobEvent[] = kinds.map((kind, i) => ({ seq: i + 1, at: daysAgo(400), event: EVENTS[kind]! }));
  if (ended !== undefined) {
    const result = { status: 'succeeded' as const, filesChanged: [], commands: [], durationMs: 1 };
    events.push({ seq: events.length + 1, at: daysAgo(ended.daysAgo), event: { kind: 'finished', result } });
    store.jobs.update(id, { status: ended.status ?? 'succeeded', finishedAt: daysAgo(ended.daysAgo), result });
  } else {
    store.jobs.update(id, { status: 'running', node: 'n1', attempt: 1 });
  }
  store.jobs.appendEvents(id, events);
  await settled(store.commit());
  return id;
}

const seqs = async (store: SqliteStore, id: number) => (await store.jobs.events(id, 0, 100_000)).map((e) => e.seq);

function sweeper(store: JobMaintenance, options: SweeperOptions = {}): Sweeper {
  return new Sweeper(store, silentLogger(), { now: () => NOW, ...options });
}

describe('Sweeper: retention', () => {
  it('deletes finished jobs older than MASTER_RETENTION_DAYS with their events and keys; keeps young, unfinished ones and usage', async () => {
    const store = openStore();
    const old = await seed(store, ['started', 'log', 'log'], { daysAgo: 40 });
    const oldFailed = await seed(store, ['started'], { daysAgo: 31, status: 'failed' });
    const young = await seed(store, ['started', 'log'], { daysAgo: 10 });
    const running = await seed(store, ['started', 'log']);
    // Impossible through the service, but the sweeper trusts the state, not the time: not final, not touched.
    store.jobs.update(running, { finishedAt: daysAgo(90) });
    const continued = await seed(store, ['started'], { daysAgo: 35 });
    const followUp = await seed(store, ['started'], { daysAgo: 5 }, continued);
    const waitedFor = await seed(store, ['started'], { daysAgo: 35 });
    const queuedFollowUp = (await store.jobs.create(newJob(waitedFor), daysAgo(0))).id;
    store.jobs.saveIdempotencyKey('k-old', { jobId: old, fingerprint: 'f', createdAt: daysAgo(400) });
    // Not expired, yet naming an old job (keys are made with their jobs; this one cannot be): it goes with its job.
    store.jobs.saveIdempotencyKey('k-stray', { jobId: oldFailed, fingerprint: 'f', createdAt: daysAgo(1) });
    store.usage.record({ jobId: old, day: daysAgo(40).slice(0, 10), user: 'admin', tokens: { input: 1, output: 2, total: 3 } });
    await settled(store.commit());

    const figures = await sweeper(store.maintenance, { retention: { jobDays: 30, eventDays: undefined } }).sweep();

    expect(figures).toMatchObject({ jobs: 3, events: 4 + 2 + 2 });
    for (const gone of [old, oldFailed, continued]) expect(await store.jobs.get(gone)).toBeUndefined();
    expect(await store.jobs.events(old, 0, 100)).toEqual([]);
    expect(await store.jobs.idempotencyKey('k-old')).toBeUndefined();
    expect(await store.jobs.idempotencyKey('k-stray')).toBeUndefined();
    expect((await store.jobs.get(young))?.lastSeq).toBe(3);
    expect(await store.jobs.get(running)).toMatchObject({ status: 'running', lastSeq: 2 });
    // A finished follow-up forgets the job it continued; a queued one keeps it: it takes its thread from it when assigned.
    expect((await store.jobs.get(followUp))?.continueFrom).toBeUndefined();
    expect(await store.jobs.get(waitedFor)).toMatchObject({ status: 'succeeded', lastSeq: 2 });
    expect((await store.jobs.get(queuedFollowUp))?.continueFrom).toBe(waitedFor);
    expect(await store.usage.sums('user', '2000-01-01', '2100-01-01')).toEqual([{ key: 'admin', jobs: 1, tokens: { input: 1, output: 2, total: 3 } }]);
  });

  it('MASTER_EVENT_RETENTION_DAYS keeps the job, its result and its last event, and only prunes old ones', async () => {
    const store = openStore();
    const old = await seed(store, ['started', 'log', 'message', 'log'], { daysAgo: 8 });
    const young = await seed(store, ['started', 'log'], { daysAgo: 6 });
    const figures = await sweeper(store.maintenance, { retention: { jobDays: undefined, eventDays: 7 } }).sweep();
    expect(figures).toMatchObject({ jobs: 0, events: 4 });
    expect(await store.jobs.get(old)).toMatchObject({ status: 'succeeded', lastSeq: 5, result: { status: 'succeeded' } });
    expect((await store.jobs.events(old, 0, 100)).map((e) => e.event.kind)).toEqual(['finished']);
    expect(await seqs(store, young)).toEqual([1, 2, 3]);
    // Once: a second sweep finds nothing more to do.
    expect(await sweeper(store.maintenance, { retention: { jobDays: undefined, eventDays: 7 } }).sweep()).toMatchObject({ events: 0 });
  });

  it('works in batches: no turn deletes more rows than the batch, and everything goes in the end', async () => {
    const store = openStore();
    const big = await seed(store, Array.from({ length: 1000 }, () => 'log'), { daysAgo: 50 });
    const small: number[] = [];
    for (let i = 0; i < 60; i++) small.push(await seed(store, ['started', 'log'], { daysAgo: 45 }));
    let deleted = 0;
    const perTurn: number[] = [];
    // The store as the sweeper sees it, counting the rows each commit (one per turn) ends.
    const counting: JobMaintenance = Object.assign(Object.create(store.maintenance) as JobMaintenance, {
      deleteEventsBelow: async (jobId: number, below: number, limit: number) => count(await store.maintenance.deleteEventsBelow(jobId, below, limit)),
      deleteJob: async (jobId: number) => count((await store.maintenance.deleteJob(jobId)) ? 1 : 0) > 0,
      commit: () => {
        perTurn.push(deleted);
        deleted = 0;
        return store.maintenance.commit();
      },
    });
    const count = (n: number) => ((deleted += n), n);
    const figures = await sweeper(counting, { retention: { jobDays: 30, eventDays: undefined }, batchRows: 100 }).sweep();
    expect(figures.jobs).toBe(61);
    expect(figures.events).toBe(1001 + 60 * 3);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(100);
    expect(figures.turns).toBeGreaterThanOrEqual(12);
    expect((await store.jobs.get(big)) ?? (await store.jobs.get(small[0]!))).toBeUndefined();
  });
});

describe('Sweeper: delta folding', () => {
  it("deletes a finished job's deltas that a later message of the same attempt covers, keeps the others and every seq's number, once", async () => {
    const store = openStore();
    // Attempt 1 died mid-message; attempt 2 said one message in full, then began another it never finished.
    const kinds = ['started', 'delta', 'delta', 'started', 'delta', 'command', 'delta', 'message', 'delta', 'delta'];
    const id = await seed(store, kinds, { daysAgo: 1 });
    const running = await seed(store, ['started', 'delta', 'message']);
    const justEnded = await seed(store, ['started', 'delta', 'message'], { daysAgo: 0 });
    const figures = await sweeper(store.maintenance).sweep();
    expect(figures.deltas).toBe(2);
    expect(await seqs(store, id)).toEqual([1, 2, 3, 4, 6, 8, 9, 10, 11]);
    expect((await store.jobs.get(id))?.lastSeq).toBe(11);
    expect(await seqs(store, running)).toEqual([1, 2, 3]);
    // Within foldAfterMs of its end: still as it streamed.
    expect(await seqs(store, justEnded)).toEqual([1, 2, 3, 4]);
    expect((await sweeper(store.maintenance).sweep()).deltas).toBe(0);
  });

  it('folds a long log page by page exactly as the rule says for the whole log', async () => {
    const store = openStore();
    // Pseudo-random but fixed: runs of deltas ended by messages, new attempts, or nothing.
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = ['delta', 'delta', 'delta', 'delta', 'message', 'started', 'log', 'command'];
    const kinds = Array.from({ length: 3000 }, () => pick[Math.floor(random() * pick.length)]!);
    const id = await seed(store, kinds, { daysAgo: 2 });
    const before = (await store.jobs.events(id, 0, 100_000)).map((e) => ({ seq: e.seq, kind: e.event.kind }));
    const covered = coveredDeltas(before);
    expect(covered.size).toBeGreaterThan(100);
    const figures = await sweeper(store.maintenance, { batchRows: 64 }).sweep();
    expect(figures.deltas).toBe(covered.size);
    expect(await seqs(store, id)).toEqual(before.map((e) => e.seq).filter((seq) => !covered.has(seq)));
  });
});

describe('Sweeper: schedule', () => {
  it('sweeps on its own once started, and not after stop', async () => {
    const store = openStore();
    const id = await seed(store, ['started', 'delta', 'message'], { daysAgo: 1 });
    const swept = sweeper(store.maintenance, { intervalMs: 10 });
    swept.start();
    const { waitFor } = await import('../../test-support/wait.js');
    await waitFor(async () => (await seqs(store, id)).length === 3, 'the delta folded');
    await swept.stop();
    expect(await seqs(store, id)).toEqual([1, 3, 4]);
  });
});
