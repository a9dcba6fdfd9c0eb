import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import type { Executor } from '../src/node/index.js';
import { ATTACHMENT_PART_BYTES, type Attachment, type JobEvent, type QuestionState, type SequencedJobEvent } from '../src/protocol/index.js';
import { DrivenExecutor, type DrivenRun } from '../src/test-support/driven-executor.js';
import { killMasterProcesses } from '../src/test-support/master-process.js';
import { postgresAvailable, stopWorkerPostgres } from '../src/test-support/postgres-server.js';
import { startFleetNode, startSharedMasters, type FleetNode, type SharedMaster } from '../src/test-support/shared-masters.js';
import type { SseClient } from '../src/test-support/sse-client.js';
import { TestClient } from '../src/test-support/test-client.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc, type CscProcess } from './cli-process.js';

/**
 * Two `csc master` processes on one PostgreSQL database (issue 19, "How it is proven"): either
 * one sees and steers every node and job, and a master killed mid-job loses none of its jobs'
 * events. Nodes of B run in this process (real node workers, driven step by step by the test) or
 * as `csc node` processes with the echo executor; B's are started with `--master B,A`, but for
 * one (`stayer`, `--master B`) whose job A must take over as an orphan and run again.
 */

const { csc, killAll } = trackedCsc();
const fleetNodes: FleetNode[] = [];
const executors: DrivenExecutor[] = [];
const followers: SseClient[] = [];
let a: SharedMaster;
let b: SharedMaster;
let nodeToken: string;
let echoB: CscProcess;
/** The node of B the job cases run on. */
const driven = new DrivenExecutor();
executors.push(driven);

const LONG = 60_000;

/** Ends what the tests started even when they failed: nodes, masters, then the database server. */
async function stopEverything(): Promise<void> {
  for (const follower of followers) follower.close();
  // Runs still waiting for the test end, so that no executor promise is left pending.
  for (const run of executors.flatMap((e) => e.runs)) run.finish({ status: 'failed', error: 'the test ended' });
  await Promise.allSettled(fleetNodes.map((node) => node.worker.agent.stop()));
  killAll();
  killMasterProcesses();
  try {
    await stopWorkerPostgres();
  } finally {
    removeTempDirs();
  }
}

/** What the masters and the in-process nodes last logged, for a failed test's output. */
function diagnostics(): string {
  const masters = [a, b].filter((m) => m !== undefined).map((m) => `--- master ${m.name} (${m.wsUrl}):\n${m.process.tail()}`);
  const nodes = fleetNodes.map((n) => `--- node ${n.name}:\n${n.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`);
  return [...masters, ...nodes].join('\n');
}

const message = (text: string): JobEvent => ({ kind: 'agent_message', text });
const seqs = (events: readonly SequencedJobEvent[]): number[] => events.map((e) => e.seq);
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const texts = (events: readonly { event: JobEvent }[]): string[] =>
  events.flatMap(({ event }) => (event.kind === 'agent_message' ? [event.text] : []));

/** A `csc node` process with the echo executor, on `masters` in that order. */
function echoNode(name: string, masters: readonly SharedMaster[]): CscProcess {
  const args = ['node', '--name', name, '--data-dir', tempDir(), '--allow-echo-executor', '--master', masters.map((m) => m.wsUrl).join(',')];
  return csc(args, { MASTER_TOKEN: nodeToken });
}

/** Waits until `master` lists exactly these online nodes, each once, on the master named beside it. */
function waitForNodes(master: SharedMaster, want: Record<string, string>, timeoutMs = 30_000): Promise<string> {
  const wanted = JSON.stringify(Object.entries(want).sort());
  let last = '';
  return waitFor(
    async () => {
      const listed = (await master.nodes()).filter((n) => n.status === 'online').map((n) => [n.name, n.master ?? '(none)']);
      last = JSON.stringify(listed.sort());
      return last === wanted ? last : undefined;
    },
    `master ${master.name} to list the nodes ${wanted} (last: ${last})`,
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; it listed ${last}`);
  });
}

/** Checks that the stored log of `job` is exactly 1..lastSeq (none missing, none twice), and returns it. */
async function contiguousLog(master: SharedMaster, job: JobRecord): Promise<SequencedJobEvent[]> {
  const events = await master.events(job.id);
  expect(seqs(events), `job ${job.id}: its stored seqs`).toEqual(oneTo(job.lastSeq));
  expect(events[0]?.event.kind).toBe('started');
  expect(events.at(-1)?.event.kind).toBe('finished');
  return events;
}

describe.skipIf(!postgresAvailable())('several masters on one PostgreSQL database', () => {
  beforeAll(async () => {
    const shared = await startSharedMasters(['a', 'b'], { env: { MASTER_LEASE_SEC: '4', MASTER_JOB_REQUEUE_GRACE: '5' } });
    [a, b] = shared.masters as [SharedMaster, SharedMaster];
    nodeToken = shared.nodeToken;
    const echoA = echoNode('echo-a', [a]);
    echoB = echoNode('echo-b', [b, a]);
    fleetNodes.push(startFleetNode([b.wsUrl, a.wsUrl], nodeToken, 'driven-b', driven, { slots: 4 }));
    await Promise.all([echoA.waitForOutput(/connected to master/, 20_000), echoB.waitForOutput(/connected to master/, 20_000), fleetNodes[0]?.waitConnectedTo(b.wsUrl)]);
  }, LONG);
  afterAll(stopEverything, LONG);
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(diagnostics());
  });

  it('lists every node of both masters on each, and runs a job created on A on a csc node of B', async () => {
    const all = { 'driven-b': 'b', 'echo-a': 'a', 'echo-b': 'b' };
    await waitForNodes(a, all);
    await waitForNodes(b, all);
    const job = await a.createJob('echo across masters', 'echo-b');
    const done = await a.waitForJob(job.id, (j) => j.status === 'succeeded', 'the echo job to succeed');
    expect(done).toMatchObject({ node: 'echo-b', attempt: 1, result: { finalMessage: 'echo across masters' } });
    expect(texts(await contiguousLog(a, done))).toEqual(['echo across masters']);
    expect(await b.job(job.id)).toMatchObject({ status: 'succeeded', lastSeq: done.lastSeq });
  }, LONG);

  it('streams a job created on A and running on B live to a log follower on A, every event in order', async () => {
    const job = await a.createJob('stream across masters', 'driven-b');
    const follower = await a.follow(job.id);
    followers.push(follower);
    const run = await driven.waitForRun(job.id);
    await follower.next((e) => e.event === 'job_event' && (e.data as SequencedJobEvent).event.kind === 'started', 15_000);
    // One at a time, each seen on A before the next is made: live, not replayed at the end.
    for (let step = 1; step <= 5; step++) {
      run.emit(message(`step ${step}`));
      await follower.next((e) => e.event === 'job_event' && texts([e.data as SequencedJobEvent])[0] === `step ${step}`, 15_000);
    }
    expect(await a.job(job.id)).toMatchObject({ status: 'running', node: 'driven-b' });
    // A lists B's node with the job out on it, as B published it.
    await waitFor(async () => (await a.nodes()).some((n) => n.name === 'driven-b' && n.master === 'b' && n.runningJobs.includes(job.id)), 'A to list the job on the node of B', 15_000);
    run.finish({ finalMessage: 'streamed' });
    expect((await follower.next((e) => e.event === 'end', 15_000)).data).toEqual({ status: 'succeeded' });
    const done = await a.waitForJob(job.id, (j) => j.status === 'succeeded', 'the streamed job to succeed');
    const streamed = follower.events.filter((e) => e.event === 'job_event').map((e) => e.data as SequencedJobEvent);
    expect(seqs(streamed)).toEqual(oneTo(done.lastSeq));
    expect(done.lastSeq).toBe(7);
    expect(streamed).toEqual(await contiguousLog(a, done));
    expect(await b.events(job.id)).toEqual(streamed);
    expect(driven.runsOf(job.id)).toHaveLength(1);
  }, LONG);

  it('cancels through A a job running on B', async () => {
    const job = await a.createJob('cancel me across masters', 'driven-b');
    const run = await driven.waitForRun(job.id);
    await a.waitForJob(job.id, (j) => j.status === 'running', 'the job to run');
    const cancel = await a.api(`/api/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(cancel.status, await cancel.clone().text()).toBe(202);
    await waitFor(() => run.signal.aborted, 'the node on B to stop the run', 15_000);
    const done = await a.waitForJob(job.id, (j) => j.status === 'cancelled', 'the job to end cancelled');
    expect(done.result?.status).toBe('cancelled');
    expect(await b.job(job.id)).toMatchObject({ status: 'cancelled' });
    await contiguousLog(b, done);
    expect(driven.runsOf(job.id)).toHaveLength(1);
  }, LONG);

  it('takes an answer given through A to the node on B that asked', async () => {
    const job = await a.createJob('ask across masters', 'driven-b');
    const run = await driven.waitForRun(job.id);
    const answered = run.ask({ kind: 'command', method: 'item/commandExecution/requestApproval', command: 'npm test', cwd: '/work/app', reason: 'run the tests', decisions: ['accept', 'decline'] });
    const pending = await waitFor(
      async () => (await a.json<{ questions: QuestionState[] }>(`/api/jobs/${job.id}/questions`)).questions.find((q) => q.status === 'pending'),
      'the question to be pending on A',
      15_000,
    );
    const answer = await a.api(`/api/jobs/${job.id}/questions/${pending.question.id}`, { method: 'POST', body: JSON.stringify({ decision: 'accept' }) });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(await answered).toMatchObject({ decision: 'accept' });
    run.finish({ finalMessage: 'told accept' });
    const done = await a.waitForJob(job.id, (j) => j.status === 'succeeded', 'the asking job to succeed');
    const onB = await b.json<{ questions: QuestionState[] }>(`/api/jobs/${job.id}/questions`);
    expect(onB.questions).toMatchObject([{ status: 'answered', answer: { decision: 'accept' }, by: { via: 'api' } }]);
    const kinds = (await contiguousLog(a, done)).map((e) => e.event.kind);
    expect(kinds).toEqual(['started', 'question', 'answer', 'finished']);
    expect(driven.runsOf(job.id)).toHaveLength(1);
  }, LONG);

  it('sends a file uploaded through A to the node on B that runs its job, byte for byte, whichever master took the job', async () => {
    // What the node's runs found in their inbox, by job: the bytes as the node wrote them.
    const received = new Map<number, Buffer[]>();
    const reader: Executor = {
      name: 'inbox-reader',
      run: async (spec, context) => {
        received.set(spec.id, await Promise.all((context.files?.inbox ?? []).map((file) => readFile(file.path))));
        return { status: 'succeeded', filesChanged: [], commands: [], durationMs: 0 };
      },
    };
    const node = startFleetNode([b.wsUrl], nodeToken, 'files-b', reader);
    fleetNodes.push(node);
    await node.waitConnectedTo(b.wsUrl);
    const data = randomBytes(ATTACHMENT_PART_BYTES * 3 + 123);
    const upload = await a.api('/api/attachments?name=report.bin', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: data });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const attachment = (await upload.json()) as Attachment;
    expect(attachment).toMatchObject({ name: 'report.bin', bytes: data.length });
    // Created through A (A's file), and through B, whose intake finds A's upload in the database.
    for (const master of [a, b]) {
      const job = await master.json<JobRecord>('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: `read the report (${master.name})`, node: 'files-b', attachments: [attachment] }) });
      const done = await master.waitForJob(job.id, (j) => j.status !== 'queued' && j.status !== 'assigned' && j.status !== 'running', 'the job with the file to end');
      expect(done, JSON.stringify(done.result)).toMatchObject({ status: 'succeeded', node: 'files-b' });
      expect(received.get(job.id)?.map((file) => file.equals(data))).toEqual([true]);
    }
    const unknown = await b.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'x', node: 'files-b', attachments: [{ ...attachment, id: 'f'.repeat(64) }] }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('upload it first');
  }, LONG);

  it("takes per-machine tokens, bridge settings and budgets saved through A to B at once: a token revoked on A is refused by B, which closes its connections", async () => {
    const made = async (role: 'node' | 'bridge', name: string): Promise<string> => (await a.json<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ role, name }) })).token;
    const [bridgeToken, nodeToken] = [await made('bridge', 'chat-on-b'), await made('node', 'box-on-b')];
    // B knows them without a restart: it accepts their connections.
    const bridge = await waitFor(() => TestClient.node(b.wsUrl, bridgeToken, { name: 'chat', role: 'bridge' }).catch(() => undefined), 'B to accept the bridge token made on A', 15_000);
    const node = await TestClient.node(b.wsUrl, nodeToken, { name: 'box', role: 'node', tags: [] });
    try {
      await bridge.next((m) => m.json?.type === 'bridge_config', 15_000);
      const saved = await a.api('/api/config', { method: 'PUT', body: JSON.stringify({ slack: { defaultChannel: '#saved-on-a' } }) });
      expect(saved.status, await saved.clone().text()).toBe(200);
      const pushed = await bridge.next((m) => m.json?.type === 'bridge_config', 15_000);
      expect(pushed.json).toMatchObject({ settings: { slack: { defaultChannel: '#saved-on-a' } } });
      expect(await b.json('/api/config')).toMatchObject({ slack: { defaultChannel: '#saved-on-a' } });

      const budgets = { userDaily: 1234, chatDaily: null, masterDaily: 98765 };
      expect((await a.api('/api/budgets', { method: 'PUT', body: JSON.stringify(budgets) })).status).toBe(200);
      await waitFor(async () => JSON.stringify((await b.json<{ budgets: unknown }>('/api/usage?days=1')).budgets) === JSON.stringify(budgets), "B's usage report to give A's budgets", 15_000);

      for (const name of ['chat-on-b', 'box-on-b']) expect((await a.api(`/api/tokens/${name}`, { method: 'DELETE' })).status).toBe(204);
      expect((await bridge.whenClosed(15_000)).code).toBe(4001);
      expect((await node.whenClosed(15_000)).code).toBe(4001);
      await expect(TestClient.connect(b.wsUrl, bridgeToken)).rejects.toThrow('HTTP 401');
      await expect(TestClient.connect(b.wsUrl, nodeToken)).rejects.toThrow('HTTP 401');
      expect((await b.json<{ tokens: Array<{ name: string }> }>('/api/tokens')).tokens.map((t) => t.name)).not.toContain('chat-on-b');
    } finally {
      bridge.close();
      node.close();
    }
  }, LONG);

  it('moves the nodes of a SIGKILLed master B to A: every job finishes there with its log whole, none run twice but the orphan', async () => {
    const moving = new DrivenExecutor();
    executors.push(moving);
    const movers = ['mover-1', 'mover-2'].map((name) => startFleetNode([b.wsUrl, a.wsUrl], nodeToken, name, moving, { slots: 3 }));
    fleetNodes.push(...movers);
    await Promise.all(movers.map((node) => node.waitConnectedTo(b.wsUrl)));
    // Three running on each mover, created on both masters, and one more queued for a slot of mover-1.
    const jobs: JobRecord[] = [];
    const target = new Map<number, string>();
    for (let i = 0; i < 6; i++) {
      const node = `mover-${(i % 2) + 1}`;
      const job = await (i % 2 ? a : b).createJob(`moving job ${i}`, node);
      jobs.push(job);
      target.set(job.id, node);
    }
    const runs = await Promise.all(jobs.map((job) => moving.waitForRun(job.id)));
    const queued = await b.createJob('queued while B dies', 'mover-1');
    target.set(queued.id, 'mover-1');
    // And one on a node of B only (`--master B`): it cannot move, so A takes it as an orphan and runs it again after the grace.
    const stayer = startFleetNode([b.wsUrl], nodeToken, 'stayer', moving, { tags: ['orphan'] });
    fleetNodes.push(stayer);
    const orphan = await a.createJob('orphaned with B', { tags: ['orphan'] });
    const orphanRun = await moving.waitForRun(orphan.id);
    orphanRun.emit(message('orphan attempt 1'));
    emitAll(runs, 'before', 3);
    await b.waitForJob(orphan.id, (j) => j.lastSeq === 2, 'the orphan job to have its first events stored');
    await Promise.all(jobs.map((job) => b.waitForJob(job.id, (j) => j.lastSeq === 4, `job ${job.id} to have its first events stored`)));
    // Two more each, not waited for: some are in flight or unacknowledged when B dies.
    emitAll(runs, 'racing', 2);
    await b.process.kill();
    fleetNodes.push(startFleetNode([a.wsUrl], nodeToken, 'spare', moving, { tags: ['orphan'] }));

    await Promise.all(movers.map((node) => node.waitConnectedTo(a.wsUrl, 30_000)));
    await echoB.waitForOutput(new RegExp(`connected to master ${a.wsUrl}`), 30_000);
    emitAll(runs, 'after', 3);
    for (const run of runs) run.finish({ finalMessage: `done ${run.spec.id}` });
    const queuedRun = await moving.waitForRun(queued.id, 30_000);
    queuedRun.emit(message('the queued one'));
    queuedRun.finish({ finalMessage: 'done queued' });

    for (const job of [...jobs, queued]) {
      const done = await a.waitForJob(job.id, (j) => j.status === 'succeeded', `job ${job.id} to succeed on A`);
      const events = await contiguousLog(a, done);
      const run = moving.runsOf(job.id);
      expect(run.length, `job ${job.id}: how often it ran`).toBe(1);
      expect(done.attempt).toBe(1);
      expect(done.node).toBe(target.get(job.id));
      // None lost: every event the executor emitted is stored, once, in the order it was emitted.
      expect(texts(events)).toEqual(texts((run[0]?.emitted ?? []).map((event) => ({ event }))));
      expect(events.length).toBe((run[0]?.emitted.length ?? 0) + 2);
    }
    await orphanAgain(moving, orphan.id);
    const requeued = await a.waitForJob(orphan.id, (j) => j.status === 'succeeded', 'the orphan job to succeed on the spare node');
    expect(requeued).toMatchObject({ attempt: 2, node: 'spare' });
    expect(texts(await contiguousLog(a, requeued))).toEqual(['orphan attempt 1', 'orphan attempt 2']);
    expect(moving.runsOf(orphan.id).map((run) => run.spec.attempt)).toEqual([1, 2]);
    // Once B's lease has run out, A lists every node once, all its own now.
    await waitForNodes(a, { 'driven-b': 'a', 'echo-a': 'a', 'echo-b': 'a', 'mover-1': 'a', 'mover-2': 'a', spare: 'a' }, 45_000);
    const echoed = await a.createJob('echo after the move', 'echo-b');
    await a.waitForJob(echoed.id, (j) => j.status === 'succeeded', 'a job on the moved csc node to succeed');
  }, 4 * LONG);
});

/** Waits for the second attempt of the orphaned job (after B's lease and the grace ran out), and ends it. */
async function orphanAgain(executor: DrivenExecutor, jobId: number): Promise<void> {
  const second = await waitFor(() => executor.runsOf(jobId).find((run) => run.spec.attempt === 2), `job ${jobId} to run again after the grace`, 45_000);
  second.emit(message('orphan attempt 2'));
  second.finish({ finalMessage: 'done orphan' });
}

/** Emits `count` messages on every run, each unique (`job <id> <label> <i>`), round by round. */
function emitAll(runs: readonly DrivenRun[], label: string, count: number): void {
  for (let i = 1; i <= count; i++) for (const run of runs) run.emit(message(`job ${run.spec.id} ${label} ${i}`));
}
