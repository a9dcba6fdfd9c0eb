import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { isoNow, type Frame, type JobEvent } from '../../protocol/index.js';
import { postgresAvailable, stopWorkerPostgres } from '../../test-support/postgres-server.js';
import { commandQuestion } from '../../test-support/question-node.js';
import { testDatabaseUrl } from '../../test-support/test-database.js';
import { waitFor } from '../../test-support/wait.js';
import { createFleet, type Fleet } from '../fleet/index.js';
import { PgStore } from '../store/pg/index.js';
import type { JobRecord } from '../store/index.js';
import { JobService } from './job-service.js';
import type { JobUpdate } from './types.js';

const GRACE_MS = 400;
const options = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceMs: GRACE_MS, cancelWaitMs: 5000 };
const origin = { kind: 'api' } as const;

/** One master: its own store on the shared database, its fleet, its job service, a hub that records frames. */
interface Master {
  store: PgStore;
  fleet: Fleet;
  jobs: JobService;
  frames: Array<{ node: string; frame: Frame }>;
  nodes: Set<string>;
  watched: JobUpdate[];
}

let masters: Master[] = [];

afterEach(async () => {
  for (const master of masters) master.jobs.close();
  await Promise.all(masters.map((master) => master.fleet.close()));
  await Promise.all(masters.map((master) => master.store.close()));
  masters = [];
});

async function master(url: string, name: string): Promise<Master> {
  const store = await PgStore.open(url, silentLogger());
  const fleet = createFleet(store, { name, leaseMs: 1500, askTimeoutMs: 3000, log: silentLogger() });
  const nodes = new Set<string>();
  const frames: Master['frames'] = [];
  const hub = {
    sendToNode: (node: string, frame: Frame) => {
      if (!nodes.has(node)) return false;
      frames.push({ node, frame });
      return true;
    },
  };
  const jobs = new JobService(store.jobs, hub, options, silentLogger(), fleet);
  const made: Master = { store, fleet, jobs, frames, nodes, watched: [] };
  jobs.watch((update) => made.watched.push(update), () => 'events');
  masters.push(made);
  await fleet.start();
  await jobs.recover();
  return made;
}

function connect(master: Master, node: string, { slots = 1, running = [] as number[] } = {}): void {
  master.nodes.add(node);
  master.jobs.nodeReady({ name: node, tags: [], capabilities: { slots, executors: ['echo'], chat: false }, runningJobs: running });
}

function send(master: Master, node: string, jobId: number, attempt: number, from: number, events: JobEvent[]): void {
  const at = isoNow();
  master.jobs.jobEvents(node, { type: 'job_events', jobId, attempt, events: events.map((event, i) => ({ seq: from + i, at, event })) });
}

const assigns = (master: Master, jobId: number) => master.frames.filter((f) => f.frame.type === 'job_assign' && f.frame.job.id === jobId);
const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(check, what, 10_000);

describe.skipIf(!postgresAvailable())('jobs on two masters, each with its own PostgreSQL store on one database', () => {
  afterAll(stopWorkerPostgres);

  it('claims each job once, streams another master’s job to watchers, routes a cancel, and takes over a stopped master’s job', async () => {
    const url = await testDatabaseUrl('fleet_jobs');
    const a = await master(url, 'a');
    const b = await master(url, 'b');
    connect(a, 'na', { slots: 5 });
    connect(b, 'nb', { slots: 5 });
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).jobs.create({ prompt: `job ${i}`, origin })));
    await until('every job to be assigned', async () => (await Promise.all(made.map((job) => a.store.jobs.get(job.id)))).every((job) => job?.status === 'assigned'));
    for (const job of made) expect(assigns(a, job.id).length + assigns(b, job.id).length).toBe(1);

    // One of b's, watched from a as it runs, then cancelled from a.
    const onB = made.find((job) => assigns(b, job.id).length === 1) as JobRecord;
    send(b, 'nb', onB.id, 1, 1, [{ kind: 'started', executor: 'echo' }, { kind: 'log', level: 'info', message: 'on b' }]);
    // Once a has heard of it running, every later event reaches a's watchers once, in order.
    await until('a to watch it run', () => a.watched.some((u) => u.job.id === onB.id && u.job.lastSeq === 2));
    send(b, 'nb', onB.id, 1, 3, [{ kind: 'log', level: 'info', message: 'three' }]);
    send(b, 'nb', onB.id, 1, 4, [{ kind: 'log', level: 'info', message: 'four' }]);
    const later = () => a.watched.filter((u) => u.job.id === onB.id).flatMap((u) => u.events.map((e) => e.seq)).filter((seq) => seq > 2);
    await until('a to watch its later events', () => later().length >= 2);
    expect(later()).toEqual([3, 4]);
    expect(await a.jobs.cancel(onB.id)).toMatchObject({ id: onB.id, status: 'running' });
    expect(b.frames.some((f) => f.frame.type === 'job_cancel' && f.frame.jobId === onB.id)).toBe(true);

    // b stops: its other jobs become a's, re-queued after the grace time (their node never comes to a), and run on a's node.
    const others = made.filter((job) => assigns(b, job.id).length === 1 && job.id !== onB.id);
    for (const job of made.filter((j) => assigns(a, j.id).length === 1)) send(a, 'na', job.id, 1, 1, [{ kind: 'finished', result: { status: 'succeeded', durationMs: 1, filesChanged: [], commands: [] } }]);
    const stopped = masters.splice(1, 1)[0] as Master;
    stopped.jobs.close();
    await stopped.fleet.close();
    await stopped.store.close();
    await until('a to run b’s jobs again', () => others.every((job) => assigns(a, job.id).length === 1));
    for (const job of others) expect(assigns(a, job.id)[0]?.frame).toMatchObject({ job: { attempt: 2 } });
  });

  it('answers on one master a question of a job on another, and keeps the job of a node that moves, its log whole', async () => {
    const url = await testDatabaseUrl('fleet_jobs_move');
    const a = await master(url, 'a');
    const b = await master(url, 'b');
    connect(b, 'n1');
    const job = await a.jobs.create({ prompt: 'asks', origin });
    await until('b to assign it', () => assigns(b, job.id).length === 1);
    send(b, 'n1', job.id, 1, 1, [{ kind: 'started', executor: 'echo' }, { kind: 'question', question: commandQuestion('a1q1') }]);
    await until('the question to be stored', async () => (await a.store.jobs.get(job.id))?.questions?.[0]?.status === 'pending');
    const by = { via: 'api' as const, name: 'admin', at: isoNow() };
    expect(await a.jobs.questions.answer(job.id, 'a1q1', { decision: 'accept' }, by)).toMatchObject({ status: 'answered' });
    expect(b.frames.filter((f) => f.frame.type === 'job_answer').map((f) => f.frame)).toEqual([{ type: 'job_answer', jobId: job.id, questionId: 'a1q1', answer: { decision: 'accept' }, by }]);

    // The node moves to a: a adopts the job, the node resends what was not acknowledged, and ends it there.
    b.nodes.delete('n1');
    b.jobs.nodeGone('n1');
    connect(a, 'n1', { running: [job.id] });
    send(a, 'n1', job.id, 1, 2, [{ kind: 'question', question: commandQuestion('a1q1') }, { kind: 'answer', questionId: 'a1q1', answer: { decision: 'accept' }, by }, { kind: 'log', level: 'info', message: 'moved' }]);
    send(a, 'n1', job.id, 1, 5, [{ kind: 'finished', result: { status: 'succeeded', durationMs: 1, filesChanged: [], commands: [] } }]);
    await until('the job to end', async () => (await a.store.jobs.get(job.id))?.status === 'succeeded');
    expect(a.frames.some((f) => f.frame.type === 'job_cancel')).toBe(false);
    expect((await a.store.jobs.events(job.id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await until('b to let it go', () => b.jobs.active(job.id) === undefined);
    await until('b to watch the end', () => b.watched.some((u) => u.job.id === job.id && u.job.status === 'succeeded'));
  });
});
