import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { isoNow, type Frame, type JobEvent } from '../../protocol/index.js';
import { commandQuestion } from '../../test-support/question-node.js';
import { SharedJobsFleetStore } from '../../test-support/shared-jobs-fleet-store.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { waitFor } from '../../test-support/wait.js';
import { CodedError } from '../coded-error.js';
import { SharedFleet } from '../fleet/index.js';
import { followJobLog } from '../http/log-follower.js';
import { SqliteStore, type JobRecord } from '../store/index.js';
import { JobService } from './job-service.js';
import type { JobUpdate } from './types.js';

const GRACE_MS = 300;
const options = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceMs: GRACE_MS, cancelWaitMs: 5000 };
const origin = { kind: 'api' } as const;

interface Master {
  name: string;
  fleet: SharedFleet;
  jobs: JobService;
  /** Frames sent to nodes, in order. */
  frames: Array<{ node: string; frame: Frame }>;
  /** The nodes connected to it. */
  nodes: Set<string>;
  /** What `watch` and `subscribe` heard. */
  watched: JobUpdate[];
  subscribed: JobUpdate[];
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

function database(): void {
  store = new SqliteStore(tempDir(), silentLogger());
  fleetStore = new SharedJobsFleetStore(store.jobs);
}

async function master(name: string): Promise<Master> {
  const nodes = new Set<string>();
  const frames: Master['frames'] = [];
  const host = {
    commit: () => store.commit(),
    onCommitFailed: (listener: (error: Error) => void) => store.onCommitFailed(listener),
    unfinishedJobIds: async () => (await store.jobs.withStatus(['queued', 'assigned', 'running'])).map((job) => job.id),
  };
  const fleet = new SharedFleet(fleetStore, { masterId: name, name, leaseMs: 3000, askTimeoutMs: 2000, log: silentLogger(), host });
  const hub = {
    sendToNode: (node: string, frame: Frame) => {
      if (!nodes.has(node)) return false;
      frames.push({ node, frame });
      return true;
    },
  };
  const jobs = new JobService(store.jobs, hub, options, silentLogger(), fleet);
  const made: Master = { name, fleet, jobs, frames, nodes, watched: [], subscribed: [] };
  jobs.watch((update) => made.watched.push(update), () => 'events');
  jobs.subscribe((update) => made.subscribed.push(update));
  masters.push(made);
  await fleet.start();
  await jobs.recover();
  return made;
}

function connect(master: Master, node: string, { slots = 1, running = [] as number[] } = {}): void {
  master.nodes.add(node);
  master.jobs.nodeReady({ name: node, tags: [], capabilities: { slots, executors: ['echo'], chat: false }, runningJobs: running });
}

function disconnect(master: Master, node: string): void {
  master.nodes.delete(node);
  master.jobs.nodeGone(node);
}

/** A node's events of a job's attempt, numbered from `from`. */
function send(master: Master, node: string, jobId: number, attempt: number, from: number, events: JobEvent[]): void {
  const at = isoNow();
  master.jobs.jobEvents(node, { type: 'job_events', jobId, attempt, events: events.map((event, i) => ({ seq: from + i, at, event })) });
}

const started: JobEvent = { kind: 'started', executor: 'echo' };
const log = (message: string): JobEvent => ({ kind: 'log', level: 'info', message });
const finished = (status: 'succeeded' | 'cancelled' = 'succeeded', extra: object = {}): JobEvent => ({ kind: 'finished', result: { status, durationMs: 1, filesChanged: [], commands: [], ...extra } });

function sent<T extends Frame['type']>(master: Master, type: T, jobId?: number): Array<{ node: string; frame: Extract<Frame, { type: T }> }> {
  return master.frames.filter((f): f is { node: string; frame: Extract<Frame, { type: T }> } => f.frame.type === type && (jobId === undefined || ('jobId' in f.frame ? f.frame.jobId : f.frame.type === 'job_assign' ? f.frame.job.id : -1) === jobId));
}

const assigns = (master: Master, jobId?: number) => master.frames.filter((f) => f.frame.type === 'job_assign' && (jobId === undefined || f.frame.job.id === jobId));
const stored = async (id: number) => (await store.jobs.get(id)) as JobRecord;
const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(check, what, 5000);

/** A job made on `maker`, assigned to `node` of `runner`, its node started. */
async function runningOn(maker: Master, runner: Master, node: string): Promise<JobRecord> {
  const job = await maker.jobs.create({ prompt: 'work', origin });
  await until('the job to be assigned', () => assigns(runner, job.id).length === 1);
  send(runner, node, job.id, 1, 1, [started]);
  await until('the job to run', async () => (await stored(job.id)).status === 'running');
  return job;
}

describe('jobs on several masters sharing one store', () => {
  it('runs a job made on one master on a node of another, claimed once; the maker watches it, without owning it', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const job = await a.jobs.create({ prompt: 'hello', origin });
    await until('the job to be assigned on b', () => assigns(b, job.id).length === 1);
    expect(assigns(a)).toEqual([]);
    expect(await stored(job.id)).toMatchObject({ status: 'assigned', node: 'n1', attempt: 1 });
    expect(fleetStore.ownerOf(job.id)).toBe('b');
    await until('a to let the job go', () => a.jobs.active(job.id) === undefined);

    send(b, 'n1', job.id, 1, 1, [started, log('one')]);
    send(b, 'n1', job.id, 1, 3, [log('two'), finished()]);
    expect(sent(b, 'job_ack', job.id).at(-1)?.frame.seq).toBe(4);
    await until('a to see the end', () => a.watched.some((u) => u.job.id === job.id && u.job.status === 'succeeded'));
    await b.jobs.whenCommitted();
    await delay(50);

    const seen = a.watched.filter((u) => u.job.id === job.id);
    expect(seen.flatMap((u) => u.events.map((e) => e.seq))).toEqual([1, 2, 3, 4]);
    expect(seen.filter((u) => u.job.status === 'succeeded')).toHaveLength(1);
    // Done once, by the owner: the maker's subscribers heard of its queueing only.
    expect(a.subscribed.filter((u) => u.job.id === job.id).map((u) => u.job.status)).toEqual(['queued']);
    expect(b.subscribed.filter((u) => u.job.id === job.id && u.job.status === 'succeeded')).toHaveLength(1);
    expect(b.watched.filter((u) => u.job.id === job.id && u.job.status === 'succeeded')).toHaveLength(1);
  });

  it('assigns each of many jobs made on both masters exactly once', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(a, 'na', { slots: 10 });
    connect(b, 'nb', { slots: 10 });
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).jobs.create({ prompt: `job ${i}`, origin })));
    await until('every job to be assigned', async () => (await Promise.all(made.map((job) => stored(job.id)))).every((job) => job.status === 'assigned'));
    for (const job of made) {
      const frames = [...assigns(a, job.id), ...assigns(b, job.id)];
      expect(frames).toHaveLength(1);
      expect(frames[0]?.node).toBe((await stored(job.id)).node);
    }
    expect(a.jobs.queuedCount() + b.jobs.queuedCount()).toBe(0);
  });

  it('streams the log of a job running on another master to a follower here, every event once', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const job = await runningOn(a, b, 'n1');
    let text = '';
    const res = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    followJobLog(a.jobs, job.id, res as unknown as ServerResponse, 0);
    await until('the follower to catch up', () => text.includes('id: 1\n'));
    for (let seq = 2; seq <= 40; seq += 3) send(b, 'n1', job.id, 1, seq, [log(`${seq}`), log(`${seq + 1}`), log(`${seq + 2}`)]);
    send(b, 'n1', job.id, 1, 41, [finished()]);
    await until('the end of the stream', () => text.includes('event: end'));
    const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(seqs).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(text.endsWith('event: end\ndata: {"status":"succeeded"}\n\n')).toBe(true);
  });

  it('cancels a job running on another master through that master, and a queued one once, wherever asked', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const running = await runningOn(a, b, 'n1');
    const answer = await a.jobs.cancel(running.id);
    expect(answer).toMatchObject({ id: running.id, status: 'running', node: 'n1' });
    expect(sent(b, 'job_cancel', running.id).map((f) => f.frame)).toEqual([{ type: 'job_cancel', jobId: running.id }]);
    send(b, 'n1', running.id, 1, 2, [finished('cancelled')]);
    await until('the cancel to be recorded', async () => (await stored(running.id)).status === 'cancelled');
    await expect(a.jobs.cancel(running.id)).rejects.toThrow(`job ${running.id} has already cancelled`);

    disconnect(b, 'n1');
    const queued = await a.jobs.create({ prompt: 'waits', origin });
    await until('b to mirror the queued job', () => b.jobs.active(queued.id)?.status === 'queued');
    const [first, second] = await Promise.allSettled([b.jobs.cancel(queued.id), a.jobs.cancel(queued.id)]);
    const outcomes = [first, second].map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as Error).message));
    expect(outcomes.filter((o) => o === 'cancelled')).toHaveLength(1);
    expect(outcomes.filter((o) => o === `job ${queued.id} has already cancelled`)).toHaveLength(1);
    const cancelled = await stored(queued.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: 'cancelled before it started' });
    expect(cancelled.node).toBeUndefined();
    expect(cancelled.assignedAt).toBeUndefined();
    await until('both to forget it', () => a.jobs.active(queued.id) === undefined && b.jobs.active(queued.id) === undefined);
    expect(a.jobs.queuedCount() + b.jobs.queuedCount()).toBe(0);
  });

  it('fails a job whose queue timeout runs out once, however many masters hold it queued', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    const job = await a.jobs.create({ prompt: 'nobody takes it', queueTimeoutSec: 1, origin });
    await until('b to mirror it', () => b.jobs.active(job.id) !== undefined);
    await until('the queue timeout', async () => (await stored(job.id)).status === 'failed');
    await until('both to forget it', () => a.jobs.active(job.id) === undefined && b.jobs.active(job.id) === undefined);
    await delay(100);
    const events = await store.jobs.events(job.id, 0, 10);
    expect(events.map((e) => e.event.kind)).toEqual(['finished']);
    expect((await stored(job.id)).error).toMatch(/^never started: still queued after 1 s; no node is connected$/);
    expect([...a.subscribed, ...b.subscribed].filter((u) => u.job.id === job.id && u.job.status === 'failed')).toHaveLength(1);
  });

  it('takes an answer given on one master to the node on another, first answer winning', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const job = await runningOn(a, b, 'n1');
    send(b, 'n1', job.id, 1, 2, [{ kind: 'question', question: commandQuestion('a1q1') }]);
    await until('the question to be stored', async () => (await stored(job.id)).questions?.[0]?.status === 'pending');
    const by = { via: 'api' as const, name: 'admin', at: isoNow() };
    const state = await a.jobs.questions.answer(job.id, 'a1q1', { decision: 'accept' }, by);
    expect(state).toMatchObject({ status: 'answered', answer: { decision: 'accept' }, by });
    expect(sent(b, 'job_answer', job.id).map((f) => f.frame)).toEqual([{ type: 'job_answer', jobId: job.id, questionId: 'a1q1', answer: { decision: 'accept' }, by }]);
    const late = a.jobs.questions.answer(job.id, 'a1q1', { decision: 'decline' }, by);
    await expect(late).rejects.toBeInstanceOf(CodedError);
    await expect(late).rejects.toMatchObject({ code: 'conflict', message: `already decided: accept by admin (api) at ${by.at}` });
    await expect(a.jobs.questions.answer(job.id, 'a1q9', { decision: 'accept' }, by)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('adopts the job of a node that comes over from another master; that master lets it go', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const job = await runningOn(b, b, 'n1');
    disconnect(b, 'n1');
    connect(a, 'n1', { running: [job.id] });
    // What the node sends at once waits for the adoption: its events are taken, not refused.
    send(a, 'n1', job.id, 1, 1, [started, log('after the move')]);
    await until('a to hold the job', () => a.jobs.active(job.id)?.node === 'n1');
    expect(fleetStore.ownerOf(job.id)).toBe('a');
    expect(sent(a, 'job_cancel', job.id)).toEqual([]);
    expect(sent(a, 'job_ack', job.id).at(-1)?.frame.seq).toBe(2);
    await until('b to let it go', () => b.jobs.active(job.id) === undefined);
    await delay(GRACE_MS + 200);
    expect(await stored(job.id)).toMatchObject({ status: 'running', node: 'n1', attempt: 1 });
    send(a, 'n1', job.id, 1, 3, [finished()]);
    await until('the end', async () => (await stored(job.id)).status === 'succeeded');
    expect((await store.jobs.events(job.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
    // B made and ran it, and let it go: no re-queue, no end of its own.
    expect(b.subscribed.filter((u) => u.job.id === job.id).map((u) => u.job.status)).toEqual(['queued', 'assigned', 'running']);
    expect(a.subscribed.filter((u) => u.job.id === job.id).map((u) => u.job.status)).toEqual(['running', 'succeeded']);
  });

  it('holds the jobs of a master that stopped: re-queued when their node does not come back in time, kept when it does', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    connect(b, 'n2');
    const lost = await runningOn(b, b, 'n1');
    const kept = await runningOn(b, b, 'n2');
    b.jobs.close();
    await b.fleet.close();
    await until('a to take both over', () => a.jobs.active(lost.id) !== undefined && a.jobs.active(kept.id) !== undefined);
    expect(fleetStore.ownerOf(lost.id)).toBe('a');
    connect(a, 'n2', { running: [kept.id] });
    connect(a, 'n3');
    await until('the lost one to go to n3', () => assigns(a, lost.id).length === 1);
    expect(assigns(a, lost.id)[0]).toMatchObject({ node: 'n3', frame: { job: { attempt: 2 } } });
    const events = await store.jobs.events(lost.id, 0, 10);
    expect(events.at(-1)?.event).toMatchObject({ kind: 'log', level: 'warn', message: 'node n1 vanished; re-queued (attempt 2 of 3 next)' });
    expect(await stored(kept.id)).toMatchObject({ status: 'running', node: 'n2', attempt: 1 });
    send(a, 'n2', kept.id, 1, 2, [finished()]);
    await until('the kept one to end on a', async () => (await stored(kept.id)).status === 'succeeded');
    expect(a.subscribed.filter((u) => u.job.id === kept.id && u.job.status === 'succeeded')).toHaveLength(1);
  });

  it('loads only the queued jobs when it starts beside another master', async () => {
    database();
    const a = await master('a');
    connect(a, 'n1');
    const out = await a.jobs.create({ prompt: 'runs', origin });
    const queued = await a.jobs.create({ prompt: 'waits', origin });
    await until('the first to be assigned', () => assigns(a, out.id).length === 1);
    const c = await master('c');
    expect(c.jobs.active(queued.id)).toMatchObject({ status: 'queued' });
    expect(c.jobs.active(out.id)).toBeUndefined();
    expect(c.jobs.queuedCount()).toBe(1);
  });

  it('publishes a finished job through the master its node is connected to', async () => {
    database();
    const a = await master('a');
    const b = await master('b');
    connect(b, 'n1');
    const job = await a.jobs.create({ prompt: 'change it', repo: 'github.com/acme/app', origin });
    await until('the job to be assigned', () => assigns(b, job.id).length === 1);
    const change = { baseCommit: 'base', headCommit: 'head', branch: `csc/job-${job.id}`, files: [], added: 1, removed: 0, diffBytes: 10, truncated: false };
    send(b, 'n1', job.id, 1, 1, [started, finished('succeeded', { change })]);
    await until('the job to end', async () => (await stored(job.id)).status === 'succeeded');
    b.fleet.publishNodes([{ info: { id: 'n1', name: 'n1', tags: [], status: 'online', connectedAt: isoNow(), lastActivity: isoNow(), address: '127.0.0.1', capabilities: { slots: 1, executors: ['echo'], chat: false } }, masterId: 'b', running: [] }]);
    await until('a to see n1 on b', () => a.fleet.remoteNodes().some((node) => node.info.name === 'n1'));

    const published = a.jobs.publisher.publish(job.id, 'branch');
    await until('b to ask n1', () => sent(b, 'job_publish', job.id).length === 1);
    const [request] = sent(b, 'job_publish', job.id);
    const publication = { mode: 'branch' as const, branch: change.branch, pushedAt: isoNow() };
    b.jobs.jobPublished('n1', { type: 'job_published', requestId: request?.frame.requestId ?? '', jobId: job.id, publication });
    expect((await published).result?.publication).toEqual(publication);
    await until('a to watch the publication', () => a.watched.some((u) => u.job.id === job.id && u.job.result?.publication !== undefined));
  });
});
