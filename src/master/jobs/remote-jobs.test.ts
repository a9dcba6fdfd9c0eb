import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { isoNow, type Frame, type JobEvent } from '../../protocol/index.js';
import { SharedJobsFleetStore } from '../../test-support/shared-jobs-fleet-store.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { waitFor } from '../../test-support/wait.js';
import { SharedFleet } from '../fleet/index.js';
import { SqliteStore, type JobRecord, type JobStore } from '../store/index.js';
import { JobService } from './job-service.js';
import type { JobInterest } from './ledger.js';
import type { JobUpdate } from './types.js';

const GRACE_MS = 200;
const options = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceMs: GRACE_MS, cancelWaitMs: 5000 };
const origin = { kind: 'api' } as const;

/** A master on the shared test database, its store reads counted per job. */
interface Master {
  jobs: JobService;
  fleet: SharedFleet;
  nodes: Set<string>;
  assigns: number[];
  /** What its watcher heard. */
  watched: JobUpdate[];
  /** What its watcher wants of each job (absent: nothing). */
  wants: Map<number, JobInterest>;
  /** `get` and `events` calls of its job store, by job id. */
  reads: { get: Map<number, number>; events: Map<number, number> };
}

let store: SqliteStore;
let fleetStore: SharedJobsFleetStore;
let masters: Master[] = [];

afterEach(async () => {
  for (const master of masters) master.jobs.close();
  await Promise.all(masters.map((master) => master.fleet.close()));
  masters = [];
  await store.close();
});
afterAll(removeTempDirs);

/** The job store, with its `get` and `events` calls counted in `reads`. */
function counted(jobs: JobStore, reads: Master['reads']): JobStore {
  return new Proxy(jobs, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property !== 'get' && property !== 'events') return method.bind(target);
      const tally = reads[property];
      return (id: number, ...rest: unknown[]) => {
        tally.set(id, (tally.get(id) ?? 0) + 1);
        return method.call(target, id, ...rest);
      };
    },
  });
}

async function master(name: string): Promise<Master> {
  const host = {
    commit: () => store.commit(),
    onCommitFailed: (listener: (error: Error) => void) => store.onCommitFailed(listener),
    unfinishedJobIds: async () => (await store.jobs.withStatus(['queued', 'assigned', 'running'])).map((job) => job.id),
  };
  const fleet = new SharedFleet(fleetStore, { masterId: name, name, leaseMs: 3000, askTimeoutMs: 2000, log: silentLogger(), host });
  const nodes = new Set<string>();
  const assigns: number[] = [];
  const hub = {
    sendToNode: (node: string, frame: Frame) => {
      if (!nodes.has(node)) return false;
      if (frame.type === 'job_assign') assigns.push(frame.job.id);
      return true;
    },
  };
  const reads = { get: new Map<number, number>(), events: new Map<number, number>() };
  const jobs = new JobService(counted(store.jobs, reads), hub, options, silentLogger(), fleet);
  const made: Master = { jobs, fleet, nodes, assigns, watched: [], wants: new Map(), reads };
  jobs.watch(
    (update) => made.watched.push(update),
    (id) => made.wants.get(id),
  );
  masters.push(made);
  await fleet.start();
  await jobs.recover();
  return made;
}

function connect(master: Master, node: string, slots = 1): void {
  master.nodes.add(node);
  master.jobs.nodeReady({ name: node, tags: [], capabilities: { slots, executors: ['echo'], chat: false }, runningJobs: [] });
}

function send(master: Master, node: string, jobId: number, from: number, events: JobEvent[]): void {
  const at = isoNow();
  master.jobs.jobEvents(node, { type: 'job_events', jobId, attempt: 1, events: events.map((event, i) => ({ seq: from + i, at, event })) });
}

const log = (message: string): JobEvent => ({ kind: 'log', level: 'info', message });
const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(check, what, 5000);
const stored = async (id: number) => (await store.jobs.get(id)) as JobRecord;
const updatesOf = (master: Master, id: number) => master.watched.filter((u) => u.job.id === id);

/** A job made on `b`, running on its node `node`, its first event stored; `a` holds none of it. */
async function runningOnB(a: Master, b: Master, node: string): Promise<JobRecord> {
  const job = await b.jobs.create({ prompt: 'work', origin });
  await until('the job to be assigned on b', () => b.assigns.includes(job.id));
  send(b, node, job.id, 1, [{ kind: 'started', executor: 'echo' }]);
  await until('the job to run', async () => (await stored(job.id)).status === 'running');
  await until('a to hold none of it', () => a.jobs.active(job.id) === undefined);
  return job;
}

describe('jobs other masters changed, read back for what this master holds and what its watchers want', () => {
  /** Two masters; `a` wants a marker job running on `b`: once `a` has heard of its next event, every signal before has been taken in. */
  async function twoMasters() {
    store = new SqliteStore(tempDir(), silentLogger());
    fleetStore = new SharedJobsFleetStore(store.jobs);
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1', 2);
    const marker = await runningOnB(a, b, 'n1');
    a.wants.set(marker.id, 'events');
    let seq = 2;
    const caughtUp = async (): Promise<void> => {
      const at = seq++;
      send(b, 'n1', marker.id, at, [log(`marker ${at}`)]);
      await until(`a to hear the marker's event ${at}`, () => updatesOf(a, marker.id).some((u) => u.job.lastSeq === at));
    };
    return { a, b, caughtUp };
  }

  it('reads a job out on another master only for a watcher that wants it, its events only when wanted', async () => {
    const { a, b, caughtUp } = await twoMasters();
    const job = await runningOnB(a, b, 'n1');
    await caughtUp();
    const before = updatesOf(a, job.id).length;
    a.reads.get.delete(job.id);

    send(b, 'n1', job.id, 2, [log('nobody wants it')]);
    await caughtUp();
    expect(a.reads.get.get(job.id)).toBeUndefined();
    expect(a.reads.events.get(job.id)).toBeUndefined();
    expect(updatesOf(a, job.id)).toHaveLength(before);

    a.wants.set(job.id, 'job');
    send(b, 'n1', job.id, 3, [log('its record is wanted')]);
    await until('a to hear of it', () => updatesOf(a, job.id).some((u) => u.job.lastSeq === 3));
    expect(a.reads.get.get(job.id)).toBe(1);
    expect(a.reads.events.get(job.id)).toBeUndefined();
    expect(updatesOf(a, job.id).flatMap((u) => u.events)).toEqual([]);

    a.wants.set(job.id, 'events');
    send(b, 'n1', job.id, 4, [log('its events are wanted')]);
    await until('a to hear the event', () => updatesOf(a, job.id).some((u) => u.job.lastSeq === 4));
    expect(updatesOf(a, job.id).flatMap((u) => u.events.map((e) => e.seq))).toEqual([4]);
  });

  it('tells a watcher that starts wanting a job its record first, then each later event', async () => {
    const { a, b, caughtUp } = await twoMasters();
    const job = await runningOnB(a, b, 'n1');
    await caughtUp();
    // Not held here, not queued, not wanted: not read (what the watchers were told of it is forgotten).
    send(b, 'n1', job.id, 2, [log('before')]);
    await caughtUp();
    a.wants.set(job.id, 'events');
    send(b, 'n1', job.id, 3, [log('wanted from here')]);
    await until('a to hear of it', () => updatesOf(a, job.id).some((u) => u.job.lastSeq === 3));
    // No catch-up of what came before it was wanted: a log follower reads that from the store.
    expect(updatesOf(a, job.id).at(-1)?.events).toEqual([]);
    send(b, 'n1', job.id, 4, [log('one'), log('two')]);
    send(b, 'n1', job.id, 6, [{ kind: 'finished', result: { status: 'succeeded', durationMs: 1, filesChanged: [], commands: [] } }]);
    await until('a to hear the end', () => updatesOf(a, job.id).some((u) => u.job.status === 'succeeded'));
    expect(updatesOf(a, job.id).flatMap((u) => u.events.map((e) => e.seq))).toEqual([4, 5, 6]);
  });

  it('tells a watcher that read a job at a seq and then wants it (a bridge following it again) every event after that seq', async () => {
    const { a, b, caughtUp } = await twoMasters();
    const job = await runningOnB(a, b, 'n1');
    send(b, 'n1', job.id, 2, [log('before')]);
    await caughtUp();
    const read = await a.jobs.get(job.id);
    expect(read.lastSeq).toBe(2);
    a.wants.set(job.id, 'events');
    a.jobs.wantedFrom(job.id, read.lastSeq);
    send(b, 'n1', job.id, 3, [log('the first after the read')]);
    await until('a to hear of it', () => updatesOf(a, job.id).some((u) => u.job.lastSeq === 3));
    expect(updatesOf(a, job.id).flatMap((u) => u.events.map((e) => e.seq))).toEqual([3]);
  });

  it('mirrors a job another master re-queues, though no watcher wants it, and runs it here', async () => {
    const { a, b, caughtUp } = await twoMasters();
    const job = await runningOnB(a, b, 'n1');
    send(b, 'n1', job.id, 2, [log('running on b')]);
    await caughtUp();
    expect(a.reads.get.get(job.id) ?? 0).toBeLessThanOrEqual(2);
    const readsWhileOut = a.reads.get.get(job.id);
    // Its node goes away from b, and does not come back: b re-queues it once the grace time is over.
    b.nodes.delete('n1');
    b.jobs.nodeGone('n1');
    await until('a to mirror the re-queued job', () => a.jobs.active(job.id)?.status === 'queued');
    expect(a.reads.get.get(job.id)).toBeGreaterThan(readsWhileOut ?? 0);
    connect(a, 'na', 2); // the marker job, re-queued too, takes a slot
    await until('a to assign it to its node', () => a.assigns.includes(job.id));
    expect(await stored(job.id)).toMatchObject({ status: 'assigned', node: 'na', attempt: 2 });
  });
});
