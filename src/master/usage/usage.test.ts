import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobSpec, SequencedJobEvent } from '../../protocol/index.js';
import { ChangeNode } from '../../test-support/change-node.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { utcDay } from './usage-service.js';

let master: TestMaster;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

const origin = { kind: 'telegram', chatId: 7, userId: 42 } as const;

async function setUp(budgets = {}): Promise<{ node: ChangeNode; bridge: TestClient }> {
  master = await startTestMaster({ budgets });
  const node = await ChangeNode.connect(master, 'builder');
  const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge' });
  clients.push(node, bridge);
  return { node, bridge };
}

/** Submits from the chat and runs the job on the node to its end with these tokens. */
async function chatJob(node: ChangeNode, bridge: TestClient, requestId: string, total: number): Promise<JobSpec> {
  bridge.sendJson({ type: 'job_submit', requestId, prompt: 'count', origin });
  const spec = await node.assigned();
  await node.finish(spec, undefined, { tokens: { input: total - 10, output: 10, total } });
  return spec;
}

function tokenUsage(spec: JobSpec, seq: number, total: number): SequencedJobEvent {
  return { seq, at: new Date().toISOString(), event: { kind: 'token_usage', input: total, output: 0, total } };
}

describe('usage', () => {
  it('is recorded per job when it ends, by day, user, chat and node (GET /api/usage, usage_request)', async () => {
    const { node, bridge } = await setUp();
    await chatJob(node, bridge, 'r1', 1000);
    await chatJob(node, bridge, 'r2', 500);
    const viaApi = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'api' }) });
    expect(viaApi.status).toBe(201);
    await node.finish(await node.assigned(), undefined, { tokens: { input: 200, output: 50, total: 250 } });
    const today = utcDay();
    const report = await waitFor(async () => {
      const r = (await (await master.api('/api/usage?days=3')).json()) as { total: { jobs: number }; days: Array<{ key: string }> };
      return r.total.jobs === 3 ? r : undefined;
    }, 'three jobs counted');
    expect(report).toMatchObject({
      to: today,
      total: { jobs: 3, tokens: { total: 1750 } },
      users: [
        { key: 'telegram:42', jobs: 2, tokens: { input: 1480, output: 20, total: 1500 } },
        { key: 'admin', jobs: 1, tokens: { total: 250 } },
      ],
      chats: [{ key: 'telegram:7', jobs: 2, tokens: { total: 1500 } }],
      nodes: [{ key: 'builder', jobs: 3, tokens: { total: 1750 } }],
      budgets: { userDaily: null, chatDaily: null, masterDaily: null },
    });
    expect(report.days).toHaveLength(3);
    expect(report.days.at(-1)).toMatchObject({ key: today, jobs: 3 });
    expect((await master.api('/api/usage?days=91')).status).toBe(400);
    bridge.sendJson({ type: 'usage_request', requestId: 'u1', platform: 'telegram', chatId: '7', userId: '42' });
    const usage = (await bridge.next((f) => f.json?.type === 'usage')).json;
    expect(usage).toMatchObject({ requestId: 'u1', today: { user: { total: 1500 }, chat: { total: 1500 }, master: { total: 1750 } }, report: { total: { jobs: 3 } } });
  });

  it('keeps budgets: environment defaults until PUT /api/budgets saves others', async () => {
    await setUp({ userDaily: 5000, chatDaily: null, masterDaily: null });
    expect(await (await master.api('/api/budgets')).json()).toEqual({ userDaily: 5000, chatDaily: null, masterDaily: null });
    const saved = await master.api('/api/budgets', { method: 'PUT', body: JSON.stringify({ chatDaily: 9000 }) });
    expect(await saved.json()).toEqual({ userDaily: null, chatDaily: 9000, masterDaily: null });
    expect(await (await master.api('/api/budgets')).json()).toEqual({ userDaily: null, chatDaily: 9000, masterDaily: null });
    expect((await master.api('/api/budgets', { method: 'PUT', body: JSON.stringify({ userDaily: -1 }) })).status).toBe(400);
  });

  it('refuses a create once its user, chat or master has spent the day\'s budget (over_budget, 429)', async () => {
    const { node, bridge } = await setUp({ userDaily: 1000 });
    await chatJob(node, bridge, 'r1', 12_345);
    await waitFor(async () => ((await (await master.api('/api/usage')).json()) as { total: { jobs: number } }).total.jobs === 1, 'the job counted');
    bridge.sendJson({ type: 'job_submit', requestId: 'r2', prompt: 'more', origin });
    const refused = (await bridge.next((f) => f.json?.type === 'error' && f.json.requestId === 'r2')).json;
    expect(refused).toMatchObject({ code: 'over_budget', message: expect.stringContaining('user telegram:42 used 12,345 of 1,000 tokens today') as unknown });
    // Another user of the same chat is within the user budget.
    bridge.sendJson({ type: 'job_submit', requestId: 'r3', prompt: 'mine', origin: { ...origin, userId: 43 } });
    expect((await bridge.next((f) => f.json?.type === 'job_update' && f.json.requestId === 'r3')).json).toMatchObject({ job: { prompt: 'mine' } });
    await master.api('/api/budgets', { method: 'PUT', body: JSON.stringify({ masterDaily: 100 }) });
    const api = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'x' }) });
    expect(api.status).toBe(429);
    expect(JSON.stringify(await api.json())).toContain('the master used 12,345 of 100 tokens today');
  });

  it('cancels a running job whose own usage takes its budget over, with the figures, and counts what it used', async () => {
    const { node, bridge } = await setUp({ chatDaily: 2000 });
    bridge.sendJson({ type: 'job_submit', requestId: 'r1', prompt: 'long', origin });
    const spec = await node.assigned();
    const started: SequencedJobEvent = { seq: spec.nextSeq, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } };
    await node.send(spec, [started, tokenUsage(spec, spec.nextSeq + 1, 1500)]);
    await node.send(spec, [tokenUsage(spec, spec.nextSeq + 2, 2100)]);
    const cancel = await node.client.next((f) => f.json?.type === 'job_cancel' && f.json.jobId === spec.id);
    expect(cancel.json).toMatchObject({ reason: 'ended' });
    const update = await bridge.next((f) => f.json?.type === 'job_update' && (f.json.job as { status: string }).status === 'cancelled');
    expect(update.json).toMatchObject({ job: { error: 'cancelled: over budget (chat telegram:7 used 2,100 of 2,000 tokens today)' } });
    const report = (await (await master.api('/api/usage')).json()) as { chats: unknown[] };
    expect(report.chats).toEqual([{ key: 'telegram:7', jobs: 1, tokens: { input: 2100, output: 0, total: 2100 } }]);
  });
});
