import { afterEach, describe, expect, it } from 'vitest';
import { commandQuestion, QuestionNode } from '../../test-support/question-node.js';
import { rawRequest } from '../../test-support/raw-http.js';
import { Scrape } from '../../test-support/scrape.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { startTestNode } from '../../test-support/test-node.js';
import { waitFor } from '../../test-support/wait.js';
import type { NodeWorker } from '../../node/index.js';

let master: TestMaster | undefined;
const closers: Array<() => unknown> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await master?.close();
  master = undefined;
  removeTempDirs();
});

async function started(overrides: Parameters<typeof startTestMaster>[0] = {}): Promise<TestMaster> {
  master = await startTestMaster(overrides);
  return master;
}

const scrape = (m: TestMaster) => Scrape.of(`${m.httpUrl}/metrics`, { authorization: `Bearer ${m.adminToken.value}` });

async function createJob(m: TestMaster, body: Record<string, unknown>): Promise<number> {
  const res = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

async function jobStatus(m: TestMaster, id: number): Promise<string> {
  return ((await (await m.api(`/api/jobs/${id}`)).json()) as { status: string }).status;
}

function echoNode(m: TestMaster, name: string): NodeWorker {
  const worker = startTestNode(m.wsUrl, m.nodeToken.value, { name });
  closers.push(() => worker.agent.stop());
  return worker;
}

describe('GET /metrics during real jobs', () => {
  it('moves the job, event, dispatch, approval and node figures as a job runs, asks and finishes', async () => {
    const m = await started();
    const before = await scrape(m);
    for (const family of ['csc_nodes', 'csc_jobs', 'csc_queue_length', 'csc_queue_oldest_age_seconds', 'csc_dispatch_latency_seconds', 'csc_job_duration_seconds', 'csc_job_events_ingested_total', 'csc_approval_wait_seconds', 'csc_store_commit_seconds', 'csc_ws_send_buffer_cutoffs_total', 'csc_chat_errors_total', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
      expect(before.family(family).name).toBe(family);
    }
    expect(before.family('csc_dispatch_latency_seconds').type).toBe('HISTOGRAM');
    expect(before.value('csc_nodes', { status: 'online' })).toBe(0);
    expect(before.value('csc_jobs', { status: 'running' })).toBe(0);
    expect(before.count('csc_dispatch_latency_seconds')).toBe(0);

    const node = await QuestionNode.connect(m, 'asker');
    closers.push(() => node.close());
    const id = await createJob(m, { prompt: 'ask first' });
    const spec = await node.started();
    expect(spec.id).toBe(id);
    await node.ask(id, commandQuestion('a1q1'));

    const running = await scrape(m);
    expect(running.value('csc_nodes', { status: 'online' })).toBe(1);
    expect(running.value('csc_jobs', { status: 'running' })).toBe(1);
    expect(running.value('csc_jobs', { status: 'succeeded' })).toBe(0);
    expect(running.count('csc_dispatch_latency_seconds')).toBe(1);
    expect(running.value('csc_job_events_ingested_total')).toBe(2);
    expect(running.count('csc_approval_wait_seconds')).toBe(0);
    expect(running.count('csc_store_commit_seconds')).toBeGreaterThan(before.count('csc_store_commit_seconds'));

    const answer = await m.api(`/api/jobs/${id}/questions/a1q1`, { method: 'POST', body: JSON.stringify({ decision: 'accept' }) });
    expect(answer.status).toBe(200);
    await node.answers(1);
    await node.tell(id, 'a1q1', { decision: 'accept' }, { via: 'api', name: 'admin', at: new Date().toISOString() });
    await node.finish(id);
    await waitFor(async () => (await jobStatus(m, id)) === 'succeeded', 'the job to succeed');

    const after = await scrape(m);
    expect(after.value('csc_jobs', { status: 'running' })).toBe(0);
    expect(after.value('csc_jobs', { status: 'succeeded' })).toBe(1);
    expect(after.count('csc_approval_wait_seconds')).toBe(1);
    expect(after.count('csc_job_duration_seconds', { status: 'succeeded' })).toBe(1);
    expect(after.count('csc_job_duration_seconds', { status: 'failed' })).toBe(0);
    expect(after.value('csc_job_events_ingested_total')).toBe(4);
    expect(after.count('csc_dispatch_latency_seconds')).toBe(1);
  });

  it('counts queued jobs and the oldest one\'s age, then their dispatch once a node takes them', async () => {
    const m = await started();
    const first = await createJob(m, { prompt: 'wait for gpu', tags: ['gpu'] });
    await createJob(m, { prompt: 'wait too', tags: ['gpu'] });
    const queued = await scrape(m);
    expect(queued.value('csc_queue_length')).toBe(2);
    expect(queued.value('csc_jobs', { status: 'queued' })).toBe(2);
    expect(queued.value('csc_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    // The age is the oldest job's: read from its own creation time.
    const createdAt = ((await (await m.api(`/api/jobs/${first}`)).json()) as { createdAt: string }).createdAt;
    expect(queued.value('csc_queue_oldest_age_seconds')).toBeLessThanOrEqual((Date.now() - Date.parse(createdAt)) / 1000);

    const worker = startTestNode(m.wsUrl, m.nodeToken.value, { name: 'gpu-box', tags: ['gpu'], slots: 2 });
    closers.push(() => worker.agent.stop());
    await waitFor(async () => (await scrape(m)).value('csc_jobs', { status: 'succeeded' }) === 2, 'both jobs to succeed on the echo node');
    const done = await scrape(m);
    expect(done.value('csc_queue_length')).toBe(0);
    expect(done.value('csc_queue_oldest_age_seconds')).toBe(0);
    expect(done.count('csc_dispatch_latency_seconds')).toBe(2);
    expect(done.count('csc_job_duration_seconds', { status: 'succeeded' })).toBe(2);
    expect(done.value('csc_job_events_ingested_total')).toBeGreaterThanOrEqual(4);
  });

  it('counts the chat errors bridges report, per platform, and refuses that frame from a node', async () => {
    const m = await started();
    const bridge = await TestClient.node(m.wsUrl, m.bridgeToken.value, { name: 'bridge-1', role: 'bridge' });
    closers.push(() => bridge.close());
    bridge.sendJson({ type: 'chat_error', platform: 'slack', code: 'ratelimited' });
    bridge.sendJson({ type: 'chat_error', platform: 'slack', code: 'channel_not_found' });
    bridge.sendJson({ type: 'chat_error', platform: 'telegram', code: '429' });
    // Frames are handled in order: once the status answer is back, the three errors are counted.
    bridge.sendJson({ type: 'status_request', requestId: 'after-errors' });
    await bridge.next((r) => r.json?.type === 'status' && r.json.requestId === 'after-errors');
    const node = await TestClient.node(m.wsUrl, m.nodeToken.value, { name: 'n1' });
    closers.push(() => node.close());
    node.sendJson({ type: 'chat_error', platform: 'slack', code: 'ratelimited' });
    expect((await node.next((r) => r.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'chat_error' });

    const scraped = await scrape(m);
    expect(scraped.value('csc_chat_errors_total', { platform: 'slack' })).toBe(2);
    expect(scraped.value('csc_chat_errors_total', { platform: 'telegram' })).toBe(1);
  });

  it('counts a consumer cut for its send buffer', async () => {
    const m = await started({ maxSendBufferBytes: 256 * 1024 });
    const stalled = await TestClient.node(m.wsUrl, m.nodeToken.value, { name: 'stalled' });
    closers.push(() => stalled.close());
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = 'y'.repeat(60 * 1024);
    const present = () => m.hub.listNodes().some((n) => n.name === 'stalled');
    // One broadcast per turn, until the hub cuts it: the kernel's buffers fill first.
    for (let i = 0; i < 400 && present(); i++) {
      m.hub.broadcast(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => !present(), 'the stalled consumer to be cut');
    expect((await scrape(m)).value('csc_ws_send_buffer_cutoffs_total')).toBe(1);
  });
});

describe('who may read /metrics', () => {
  it('asks for the admin token by default', async () => {
    const m = await started();
    expect(m.httpRoutes).toContainEqual(expect.objectContaining({ method: 'GET', url: '/metrics', access: 'admin' }));
    expect((await rawRequest(m.http.port, 'GET /metrics HTTP/1.1')).status).toBe(401);
    expect((await rawRequest(m.http.port, `GET /metrics HTTP/1.1\r\nAuthorization: Bearer ${m.nodeToken.value}`)).status).toBe(401);
  });

  it('is open to anyone with MASTER_METRICS_PUBLIC=true, and says nothing else is', async () => {
    const m = await started({ metricsPublic: true });
    const open = m.httpRoutes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    expect(open).toEqual(expect.arrayContaining(['GET /metrics', 'HEAD /metrics', 'GET /api/health']));
    expect(open.filter((r) => r.includes('/api/') && !r.endsWith('/api/health'))).toEqual([]);
    const anonymous = await Scrape.of(`${m.httpUrl}/metrics`);
    expect(anonymous.value('csc_nodes', { status: 'online' })).toBe(0);
  });
});

describe('/api/health', () => {
  it('is degraded with no node online, ok with one, and tells anonymous callers only the status', async () => {
    const m = await started();
    const admin = async () => (await (await m.api('/api/health')).json()) as { status: string; degraded: string[]; time: string };
    expect(await admin()).toMatchObject({ status: 'degraded', degraded: ['no node online'] });
    const anonymous = await rawRequest(m.http.port, 'GET /api/health HTTP/1.1');
    expect(anonymous.status).toBe(200);
    const body = JSON.parse(anonymous.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'degraded' });
    expect(body).not.toHaveProperty('degraded');

    echoNode(m, 'healthy');
    await waitFor(() => m.hub.listNodes().some((n) => n.name === 'healthy' && n.status === 'online'), 'the node to be online');
    const ok = await admin();
    expect(ok).toMatchObject({ status: 'ok', degraded: [] });
    expect(Math.abs(Date.parse(ok.time) - Date.now())).toBeLessThan(5000);
  });
});
