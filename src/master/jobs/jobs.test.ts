import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EchoExecutor, type NodeWorker } from '../../node/index.js';
import type { SequencedJobEvent } from '../../protocol/index.js';
import { SseClient } from '../../test-support/sse-client.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { startTestNode } from '../../test-support/test-node.js';
import { waitFor } from '../../test-support/wait.js';
import type { JobRecord } from '../store/index.js';

let master: TestMaster;
const workers: NodeWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await master.close();
});
afterAll(removeTempDirs);

function startNode(name: string, options: { tags?: string[]; slots?: number; delayMs?: number } = {}): NodeWorker {
  const worker = startTestNode(master.wsUrl, master.nodeToken.value, { name, ...options, executor: new EchoExecutor(options.delayMs ?? 0) });
  workers.push(worker);
  return worker;
}

async function post<T>(path: string, body: unknown): Promise<{ status: number; json: T }> {
  const res = await master.api(path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}
const createJob = async (body: Record<string, unknown>) => (await post<JobRecord>('/api/jobs', body)).json;
const getJob = async (id: number) => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
const logs = async (id: number, after = 0) => ((await (await master.api(`/api/jobs/${id}/logs?after=${after}`)).json()) as { events: SequencedJobEvent[] }).events;
const untilStatus = (id: number, status: string, timeoutMs = 5000) => waitFor(async () => (await getJob(id)).status === status, `job ${id} to be ${status}`, timeoutMs);

/** The store's next COMMIT fails, as on a full disk (SQLite rolls the turn's writes back). Resolves when it has. */
function failNextCommit(target: TestMaster): Promise<void> {
  const commitStatement = (target.store as unknown as { tx: { commitStatement: { run: () => unknown } } }).tx.commitStatement;
  const run = commitStatement.run.bind(commitStatement);
  return new Promise((resolve) => {
    commitStatement.run = () => {
      commitStatement.run = run;
      resolve();
      throw new Error('database or disk is full');
    };
  });
}

function expectContiguous(events: SequencedJobEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('jobs', () => {
  it('queues a job until a node can take it, runs it, and stores the standard result and log', async () => {
    master = await startTestMaster();
    const created = await post<JobRecord>('/api/jobs', { prompt: 'say hello' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 1, status: 'queued', prompt: 'say hello', origin: { kind: 'api' }, attempt: 0 });
    startNode('worker-1');
    await untilStatus(1, 'succeeded');
    const job = await getJob(1);
    expect(job).toMatchObject({ node: 'worker-1', attempt: 1, result: { status: 'succeeded', finalMessage: 'say hello' } });
    expect(job.startedAt && job.finishedAt).toBeTruthy();
    const events = await logs(1);
    expect(events.map((e) => e.event.kind)).toEqual(['started', 'agent_message', 'finished']);
    expectContiguous(events);
    expect((await logs(1, 2)).map((e) => e.seq)).toEqual([3]);
  });

  it('sends a job only to a node with its name or all of its tags, waiting until one joins', async () => {
    master = await startTestMaster();
    startNode('plain');
    const gpu = await createJob({ prompt: 'train', tags: ['gpu'] });
    const named = await createJob({ prompt: 'here', node: 'plain' });
    await untilStatus(named.id, 'succeeded');
    expect((await getJob(gpu.id)).status).toBe('queued');
    startNode('big', { tags: ['gpu', 'linux'] });
    await untilStatus(gpu.id, 'succeeded');
    expect((await getJob(gpu.id)).node).toBe('big');
  });

  it('runs jobs first in, first out within the slots a node has', async () => {
    master = await startTestMaster();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await createJob({ prompt: `job ${i}` })).id);
    startNode('single', { slots: 1, delayMs: 50 });
    for (const id of ids) await untilStatus(id, 'succeeded');
    const jobs = await Promise.all(ids.map(getJob));
    const order = [...jobs].sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? '')).map((j) => j.id);
    expect(order).toEqual(ids);
    for (let i = 1; i < jobs.length; i++) expect(Date.parse(jobs[i]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(jobs[i - 1]?.finishedAt ?? ''));
  });

  it('cancels a queued job at once, a running one through its node, and refuses a finished one', async () => {
    master = await startTestMaster();
    const queued = await createJob({ prompt: 'never runs', tags: ['nobody'] });
    expect((await post<JobRecord>(`/api/jobs/${queued.id}/cancel`, {})).json.status).toBe('cancelled');
    startNode('slow', { delayMs: 10_000 });
    const running = await createJob({ prompt: 'slow' });
    await untilStatus(running.id, 'running');
    const started = Date.now();
    expect((await post<JobRecord>(`/api/jobs/${running.id}/cancel`, {})).status).toBe(202);
    await untilStatus(running.id, 'cancelled', 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await getJob(running.id)).result?.status).toBe('cancelled');
    const again = await post<{ error: { code: string } }>(`/api/jobs/${running.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });

  it('re-queues the job of a node that vanished and finishes it elsewhere', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 0.2, cancelWaitSec: 5, allowLocalRepos: false } });
    const doomed = startNode('doomed', { delayMs: 10_000 });
    const job = await createJob({ prompt: 'survive' });
    await untilStatus(job.id, 'running');
    await doomed.agent.stop();
    startNode('rescuer');
    await untilStatus(job.id, 'succeeded');
    const done = await getJob(job.id);
    expect(done).toMatchObject({ node: 'rescuer', attempt: 2 });
    const events = await logs(job.id);
    expectContiguous(events);
    expect(events.map((e) => e.event.kind)).toEqual(['started', 'log', 'started', 'agent_message', 'finished']);
  });

  it('gives a job up as lost when its attempts run out', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 1, defaultTimeoutSec: 60, requeueGraceSec: 0.1, cancelWaitSec: 5, allowLocalRepos: false } });
    const doomed = startNode('doomed', { delayMs: 10_000 });
    const job = await createJob({ prompt: 'lost' });
    await untilStatus(job.id, 'running');
    await doomed.agent.stop();
    await untilStatus(job.id, 'lost');
    expect((await getJob(job.id)).error).toMatch(/node doomed vanished; gave up after 1 attempts/);
  });

  it('fails a job that runs past its timeout', async () => {
    master = await startTestMaster();
    startNode('slow', { delayMs: 10_000 });
    const job = await createJob({ prompt: 'too slow', timeoutSec: 1 });
    await untilStatus(job.id, 'failed', 4000);
    expect((await getJob(job.id)).error).toBe('timed out after 1 s');
  });

  it('keeps a running job across a master restart: the node reclaims it and nothing is lost or doubled', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    startNode('steady', { delayMs: 1500 });
    const job = await createJob({ prompt: 'through a restart' });
    await untilStatus(job.id, 'running');
    await master.close();
    master = await startTestMaster({ dataDir, port });
    await untilStatus(job.id, 'succeeded', 10_000);
    const events = await logs(job.id);
    expectContiguous(events);
    expect(events.map((e) => e.event.kind)).toEqual(['started', 'agent_message', 'finished']);
    expect((await getJob(job.id)).attempt).toBe(1);
  });
});

describe('job timeouts across a master restart', () => {
  it('still ends a running job at its timeout when the master restarted meanwhile, counting from its assignment', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'slow', capabilities: { slots: 1, executors: ['raw'] } });
    const job = await createJob({ prompt: 'never ends', timeoutSec: 2 });
    await node.next((m) => m.json?.type === 'job_assign');
    node.sendJson({ type: 'job_events', jobId: job.id, attempt: 1, events: [{ seq: 1, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } }] });
    await untilStatus(job.id, 'running');
    await master.close();
    master = await startTestMaster({ dataDir, port });
    const began = Date.parse((await getJob(job.id)).assignedAt ?? '');
    await untilStatus(job.id, 'failed', 5000);
    const ended = await getJob(job.id);
    expect(ended.error).toBe('timed out after 2 s');
    expect(Date.parse(ended.finishedAt ?? '') - began).toBeGreaterThanOrEqual(1900);
    node.close();
  });
});

describe('job event delivery', () => {
  const at = '2026-11-22T00:00:00.000Z';
  const event = (seq: number, kind: 'started' | 'finished') =>
    kind === 'started'
      ? { seq, at, event: { kind, executor: 'raw' } }
      : { seq, at, event: { kind, result: { status: 'succeeded', durationMs: 5, filesChanged: [], commands: [], finalMessage: 'ok' } } };

  it('stores a resent event once, acknowledges cumulatively, and ignores events from a node the job is not on', async () => {
    master = await startTestMaster();
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'raw', capabilities: { slots: 1, executors: ['raw'] } });
    const job = await createJob({ prompt: 'dedupe' });
    const assign = await node.next((m) => m.json?.type === 'job_assign');
    expect(assign.json).toMatchObject({ job: { id: job.id, prompt: 'dedupe', attempt: 1, nextSeq: 1 } });

    node.sendJson({ type: 'job_events', jobId: job.id, events: [event(1, 'started')] });
    expect((await node.next((m) => m.json?.type === 'job_ack')).json).toEqual({ type: 'job_ack', jobId: job.id, seq: 1 });
    node.sendJson({ type: 'job_events', jobId: job.id, events: [event(1, 'started'), event(2, 'finished')] });
    expect((await node.next((m) => m.json?.type === 'job_ack')).json).toEqual({ type: 'job_ack', jobId: job.id, seq: 2 });
    node.sendJson({ type: 'job_events', jobId: job.id, events: [event(2, 'finished')] });
    expect((await node.next((m) => m.json?.type === 'job_ack')).json).toMatchObject({ seq: 2 });

    const events = await logs(job.id);
    expect(events.map((e) => [e.seq, e.event.kind])).toEqual([[1, 'started'], [2, 'finished']]);
    expect(await getJob(job.id)).toMatchObject({ status: 'succeeded', result: { finalMessage: 'ok' } });

    const other = await createJob({ prompt: 'not yours', node: 'raw' });
    await node.next((m) => m.json?.type === 'job_assign');
    const stranger = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'stranger' });
    stranger.sendJson({ type: 'job_events', jobId: other.id, events: [event(1, 'finished')] });
    expect((await stranger.next((m) => m.json?.type === 'job_cancel')).json).toEqual({
      type: 'job_cancel',
      jobId: other.id,
      reason: 'not_assigned',
      message: `job ${other.id} was never given to node stranger; attempt 1 runs on node raw`,
    });
    expect(await logs(other.id)).toEqual([]);
    node.close();
    stranger.close();
  });
});

describe('job API', () => {
  it.each([
    [{ prompt: '' }, 'prompt'],
    [{ prompt: 'x', repo: 'ext::sh -c touch% /tmp/pwned' }, 'not a GitHub repository'],
    [{ prompt: 'x', repo: 'https://evil.example/acme/app' }, 'not a GitHub repository'],
    [{ prompt: 'x', repo: '--upload-pack=touch/x' }, 'invalid owner'],
    [{ prompt: 'x', repo: 'acme/..' }, 'invalid owner'],
    [{ prompt: 'x', repo: 'acme/app', ref: '--force' }, 'ref'],
    [{ prompt: 'x', profile: { sandbox: 'yolo' } }, 'profile.sandbox'],
  ])('refuses %o with a 400 that says why', async (body, mentions) => {
    master = await startTestMaster();
    const res = await post<{ error: { code: string; message: string } }>('/api/jobs', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
    expect(res.json.error.message).toContain(mentions);
  });

  it('normalizes GitHub URLs, pages the list, filters by status and 404s unknown jobs', async () => {
    master = await startTestMaster();
    const job = await createJob({ prompt: 'x', repo: 'https://github.com/acme/app.git', ref: 'feature/x' });
    expect(job).toMatchObject({ repo: 'acme/app', ref: 'feature/x' });
    for (let i = 0; i < 4; i++) await createJob({ prompt: `p${i}` });
    const first = (await (await master.api('/api/jobs?limit=2')).json()) as { jobs: JobRecord[]; next: number };
    expect(first.jobs.map((j) => j.id)).toEqual([5, 4]);
    const second = (await (await master.api(`/api/jobs?limit=2&before=${first.next}`)).json()) as { jobs: JobRecord[] };
    expect(second.jobs.map((j) => j.id)).toEqual([3, 2]);
    const queued = (await (await master.api('/api/jobs?status=queued')).json()) as { jobs: JobRecord[] };
    expect(queued.jobs).toHaveLength(5);
    expect((await master.api('/api/jobs/99')).status).toBe(404);
    expect((await post('/api/jobs', { prompt: 'x', continueFrom: 99 })).status).toBe(404);
    expect((await master.api('/api/jobs?status=bogus')).status).toBe(400);
  });

  it('streams a job log live over server-sent events and resumes from Last-Event-ID', async () => {
    master = await startTestMaster();
    const job = await createJob({ prompt: 'stream me' });
    const url = `${master.httpUrl}/api/jobs/${job.id}/logs/stream`;
    const auth = { authorization: `Bearer ${master.adminToken.value}` };
    // Opens while the job is still queued: the headers must not wait for the first event.
    const live = await SseClient.open(url, auth);
    const stream = fetch(url, { headers: auth }).then((res) => res.text());
    startNode('streamer', { delayMs: 100 });
    await live.next((e) => e.event === 'end');
    expect(live.events.map((e) => e.event)).toEqual(['job_event', 'job_event', 'job_event', 'end']);
    live.close();
    const text = await stream;
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3]);
    expect(text).toContain('event: end\ndata: {"status":"succeeded"}');
    const resumed = await (await fetch(url, { headers: { ...auth, 'last-event-id': '2' } })).text();
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([3]);
    // Read back from the store (the stored JSON, not re-encoded) the log is byte for byte what was streamed live.
    expect(await (await fetch(url, { headers: auth })).text()).toBe(text);
    expect(text.endsWith(resumed)).toBe(true);
  });

  it('never lets a frame announce a write the store could not commit: the node is dropped, and the lost job is forgotten', async () => {
    master = await startTestMaster();
    const hello = { name: 'raw', nodeId: 'raw-node-id', capabilities: { slots: 1, executors: ['raw'] } };
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, hello);
    void failNextCommit(master);
    const lost = await master.jobs.create({ prompt: 'lost with its turn', origin: { kind: 'api' } });
    await expect(master.jobs.whenCommitted()).rejects.toThrow(/could not commit/);
    await node.whenClosed();
    expect(node.received.some((m) => m.json?.type === 'job_assign')).toBe(false);
    // Memory follows the store (once it has been read back): the job is gone, the node's slot is free again, nothing waits.
    await expect(master.jobs.get(lost.id)).rejects.toThrow(/no job/);
    expect(master.jobs.active(lost.id)).toBeUndefined();
    expect(master.jobs.queuedCount()).toBe(0);

    const again = await TestClient.node(master.wsUrl, master.nodeToken.value, hello);
    const next = await createJob({ prompt: 'after the disk has room' });
    const assign = await again.next((m) => m.json?.type === 'job_assign');
    expect(assign.json).toMatchObject({ job: { id: next.id, prompt: 'after the disk has room', attempt: 1 } });
    again.close();
  });

  it('keeps a job whose finish the store could not commit: the node is dropped, sends the end again, and nothing is doubled', async () => {
    master = await startTestMaster();
    startNode('worker-1', { delayMs: 400 });
    const job = await createJob({ prompt: 'finish twice' });
    await untilStatus(job.id, 'running');
    // The next commit is the one that stores the job's end (and would release its ack).
    await failNextCommit(master);
    await untilStatus(job.id, 'succeeded', 10_000);
    const events = await logs(job.id);
    expectContiguous(events);
    expect(events.filter((e) => e.event.kind === 'finished')).toHaveLength(1);
    expect(await getJob(job.id)).toMatchObject({ status: 'succeeded', attempt: 1, node: 'worker-1' });
  });

  it('never answers 201 for a job the store could not commit', async () => {
    master = await startTestMaster();
    void failNextCommit(master);
    const failed = await post<{ error: { code: string } }>('/api/jobs', { prompt: 'lost to a full disk' });
    expect(failed.status).toBe(500);
    expect(failed.json.error.code).toBe('internal');
    const stored = await post<JobRecord>('/api/jobs', { prompt: 'after the disk has room' });
    expect(stored.status).toBe(201);
    expect((await getJob(stored.json.id)).prompt).toBe('after the disk has room');
  });

  it("runs a bridge's resent submit as a new job when its first one was lost, even though another job got the lost id", async () => {
    master = await startTestMaster();
    const submit = { type: 'job_submit', requestId: 'chat-42', prompt: 'from the chat', origin: { kind: 'telegram', chatId: 7 } };
    const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'bridge-1', role: 'bridge' });
    void failNextCommit(master);
    bridge.sendJson(submit);
    await bridge.whenClosed();
    // SQLite hands the rolled-back id out again.
    const other = await createJob({ prompt: 'from the API' });
    expect(other.id).toBe(1);

    const again = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'bridge-1', role: 'bridge' });
    again.sendJson(submit);
    const update = await again.next((m) => m.json?.type === 'job_update');
    expect(update.json).toMatchObject({ requestId: 'chat-42', job: { id: 2, prompt: 'from the chat' } });
    // Sent a third time, it is answered with that job, not run again.
    again.sendJson(submit);
    const repeat = await again.next((m) => m.json?.type === 'job_update' && m !== update);
    expect(repeat.json).toMatchObject({ requestId: 'chat-42', job: { id: 2 } });
    expect((await (await master.api('/api/jobs')).json()) as { jobs: JobRecord[] }).toMatchObject({ jobs: [{ id: 2 }, { id: 1, prompt: 'from the API' }] });
    again.close();
  });

  it("answers a bridge's submit resent after a master restart with the job already made, instead of running it twice", async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const submit = { type: 'job_submit', requestId: 'chat-7', prompt: 'only once', origin: { kind: 'slack', channel: 'C1' } };
    const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'bridge-1', role: 'bridge' });
    bridge.sendJson(submit);
    const first = await bridge.next((m) => m.json?.type === 'job_update');
    expect(first.json).toMatchObject({ requestId: 'chat-7', job: { id: 1, prompt: 'only once' } });
    await master.close();
    await bridge.whenClosed();

    master = await startTestMaster({ dataDir, port });
    const again = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'bridge-1', role: 'bridge' });
    again.sendJson(submit);
    expect((await again.next((m) => m.json?.type === 'job_update')).json).toMatchObject({ requestId: 'chat-7', job: { id: 1 } });
    expect(((await (await master.api('/api/jobs')).json()) as { jobs: JobRecord[] }).jobs.map((j) => j.id)).toEqual([1]);
    again.close();
  });
});
