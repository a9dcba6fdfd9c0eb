import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FRAME_TYPES, type Role } from '../../protocol/index.js';
import { FRAME_SAMPLES } from '../../test-support/frame-samples.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { FRAME_SENDERS } from './permissions.js';

let master: TestMaster;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

async function greeted(role: Role, name: string, token = role === 'node' ? master.nodeToken.value : master.bridgeToken.value): Promise<TestClient> {
  const client = await TestClient.node(master.wsUrl, token, { name, role, capabilities: { slots: 1, executors: ['echo'] } });
  clients.push(client);
  return client;
}

async function createToken(role: Role, name: string): Promise<string> {
  const res = await master.api('/api/tokens', { method: 'POST', body: JSON.stringify({ role, name }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe('what each credential may send (derived from the frame schemas)', () => {
  const roles: Role[] = ['node', 'bridge'];
  const cases = [...FRAME_TYPES].flatMap((type) => roles.map((role) => [type, role] as const));

  it.each(cases)('%s from a %s credential', async (type, role) => {
    master = await startTestMaster();
    const client = await greeted(role, `${role}-1`);
    const sample = FRAME_SAMPLES.find((s) => s.type === type);
    const senders: readonly Role[] | undefined = (FRAME_SENDERS as Partial<Record<string, readonly Role[]>>)[type];
    client.sendJson(sample);
    // A frame the master does not answer is followed by one it always answers, to know when to stop waiting.
    client.sendJson({ type: 'teleport' });
    await client.next((m) => m.json?.type === 'error' && m.json.code === 'unknown_type');
    const codes = client.received.filter((m) => m.json?.type === 'error' && m.json.ref === type).map((m) => m.json?.code);
    if (senders === undefined) expect(codes, 'a frame only the master sends').toContain('unexpected_frame');
    else if (senders.includes(role)) expect(codes).not.toContain('forbidden');
    else expect(codes).toEqual(['forbidden']);
  });
});

describe('a node credential can only be a node', () => {
  it('cannot say hello as a bridge, and never hears the chat tokens', async () => {
    master = await startTestMaster();
    await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ telegram: { botToken: '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }) });
    const sneaky = await TestClient.connect(master.wsUrl, master.nodeToken.value);
    clients.push(sneaky);
    sneaky.sendJson({ type: 'hello', role: 'bridge', name: 'bridge' });
    expect((await sneaky.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'hello' });
    expect((await sneaky.whenClosed()).code).toBe(4003);
    expect(sneaky.received.some((m) => m.json?.type === 'bridge_config' || m.text.includes('AAAAAAAAAAAAAAA'))).toBe(false);
    const bridge = await greeted('bridge', 'real-bridge');
    expect((await bridge.next((m) => m.json?.type === 'bridge_config')).text).toContain('AAAAAAAAAAAAAAA');
  });

  it('cannot submit, follow or cancel jobs', async () => {
    master = await startTestMaster();
    const node = await greeted('node', 'n1');
    const job = (await (await master.api('/api/jobs', { method: 'POST', body: '{"prompt":"mine","node":"elsewhere"}' })).json()) as { id: number };
    for (const frame of [
      { type: 'job_submit', requestId: 'r1', prompt: 'run this', origin: { kind: 'telegram', chatId: 1 } },
      { type: 'job_follow', jobIds: [job.id] },
      { type: 'job_cancel_request', requestId: 'r2', jobId: job.id },
      { type: 'status_request', requestId: 'r3' },
    ]) {
      node.sendJson(frame);
      expect((await node.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: frame.type });
    }
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: Array<{ id: number; status: string }> };
    expect(jobs).toEqual([expect.objectContaining({ id: job.id, status: 'queued' })]);
    expect(node.received.filter((m) => m.json?.type === 'job_update' || m.json?.type === 'status')).toEqual([]);
  });

  it("cannot claim in hello.runningJobs a job the master did not assign to it, nor lose a slot to one", async () => {
    master = await startTestMaster();
    const owner = await greeted('node', 'owner');
    const create = async (body: object) => ((await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify(body) })).json()) as { id: number }).id;
    const owned = await create({ prompt: 'for the owner', node: 'owner' });
    await owner.next((m) => m.json?.type === 'job_assign');
    const claimer = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'claimer', runningJobs: [owned, 999], capabilities: { slots: 1, executors: ['echo'] } });
    clients.push(claimer);
    const next = await create({ prompt: 'for the claimer', node: 'claimer' });
    // Its only slot is free: the claims took none of it.
    expect((await claimer.next((m) => m.json?.type === 'job_assign')).json).toMatchObject({ job: { id: next } });
    const job = (await (await master.api(`/api/jobs/${owned}`)).json()) as { node: string; status: string };
    expect(job).toMatchObject({ node: 'owner', status: 'assigned' });
    const nodes = (await (await master.api('/api/nodes')).json()) as { nodes: Array<{ name: string; runningJobs: number[] }> };
    expect(nodes.nodes.find((n) => n.name === 'claimer')?.runningJobs).toEqual([next]);
  });
});

describe('a bridge credential can only be a bridge', () => {
  it('cannot say hello as a node or report job events, and is never listed as a node', async () => {
    master = await startTestMaster();
    const bridge = await greeted('bridge', 'b1');
    bridge.sendJson(FRAME_SAMPLES.find((s) => s.type === 'job_events'));
    expect((await bridge.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'job_events' });
    const anonymous = await TestClient.connect(master.wsUrl, master.bridgeToken.value);
    clients.push(anonymous);
    anonymous.sendJson({ type: 'hello', name: 'worker', capabilities: { slots: 4, executors: ['codex'] } });
    expect((await anonymous.whenClosed()).code).toBe(4003);
    expect(master.hub.listNodes()).toEqual([]);
  });
});

describe('per-machine credentials', () => {
  it('are made once, listed without their token, name their connection, and close their connections at once when revoked', async () => {
    master = await startTestMaster();
    const token = await createToken('node', 'laptop');
    expect(token).toMatch(/^csc_node_[A-Za-z0-9_-]{43}$/);
    expect((await master.api('/api/tokens', { method: 'POST', body: '{"role":"bridge","name":"LAPTOP"}' })).status).toBe(409);
    await greeted('node', 'desktop');
    // Whatever name its hello gives, the connection is the credential's: it cannot pose as "desktop".
    const laptop = await TestClient.connect(master.wsUrl, token);
    clients.push(laptop);
    laptop.sendJson({ type: 'hello', name: 'desktop', capabilities: { slots: 1, executors: ['echo'] } });
    expect((await laptop.next((m) => m.json?.type === 'welcome')).json).toMatchObject({ name: 'laptop' });
    expect(master.hub.listNodes().map((n) => n.name).sort()).toEqual(['desktop', 'laptop']);
    const listed = (await (await master.api('/api/tokens')).json()) as { tokens: Array<Record<string, unknown>> };
    expect(listed.tokens).toEqual([{ name: 'laptop', role: 'node', createdAt: expect.any(String) as unknown, lastUsedAt: expect.any(String) as unknown }]);
    expect(JSON.stringify(listed)).not.toContain(token);

    const revokedAt = Date.now();
    expect((await master.api('/api/tokens/laptop', { method: 'DELETE' })).status).toBe(204);
    expect((await laptop.whenClosed(1000)).code).toBe(4001);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    await expect(TestClient.connect(master.wsUrl, token)).rejects.toThrow('HTTP 401');
    expect((await master.api('/api/tokens/laptop', { method: 'DELETE' })).status).toBe(404);
  });

  it('survive a restart, stored only as a digest', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const token = await createToken('bridge', 'chat-box');
    await master.close();
    expect(readFileSync(join(dataDir, 'master.db')).includes(token.slice(-20))).toBe(false);
    master = await startTestMaster({ dataDir });
    const bridge = await greeted('bridge', 'chat-box', token);
    await bridge.next((m) => m.json?.type === 'bridge_config');
    await waitFor(async () => ((await (await master.api('/api/tokens')).json()) as { tokens: Array<{ lastUsedAt: string | null }> }).tokens[0]?.lastUsedAt, 'last used');
  });

  it.each([
    ['{"role":"admin","name":"x"}', 'role'],
    ['{"role":"node","name":"../x"}', 'name'],
    ['{"role":"node","name":"x","token":"mine"}', 'token'],
  ])('refuses %s, naming %s', async (body, field) => {
    master = await startTestMaster();
    const res = await master.api('/api/tokens', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
  });
});
