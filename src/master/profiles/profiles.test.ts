import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/index.js';
import { ChangeNode } from '../../test-support/change-node.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { DEFAULT_AGENTS, loadProfilesFile } from './profiles-file.js';

const FILE = `
[profiles.fast]
description = "Quick answers"
model = "gpt-5-mini"
reasoning_effort = "low"
sandbox = "read-only"
approval_timeout_sec = 120
repo = "acme/app"
ref = "main"

[agents.architect]
prompt = "Design it."
model = "gpt-5"
reasoning_effort = "high"

[agents.builder]
prompt = "Build it."
`;

function profilesFile(text = FILE): string {
  const path = join(tempDir(), 'profiles.toml');
  writeFileSync(path, text);
  return path;
}

let master: TestMaster | undefined;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master?.close();
  master = undefined;
});
afterAll(removeTempDirs);

async function started(): Promise<TestMaster> {
  master = await startTestMaster({ profilesFile: profilesFile() });
  return master;
}

describe('the profiles file (MASTER_PROFILES_FILE)', () => {
  it('reads [profiles.NAME] in snake_case and [agents.NAME] in their order', () => {
    const file = loadProfilesFile(profilesFile());
    expect(file.profiles).toEqual([
      { name: 'fast', description: 'Quick answers', model: 'gpt-5-mini', reasoningEffort: 'low', sandbox: 'read-only', approvalTimeoutSec: 120, repo: 'acme/app', ref: 'main', source: 'file' },
    ]);
    expect(file.agents).toEqual([
      { name: 'architect', prompt: 'Design it.', model: 'gpt-5', reasoningEffort: 'high' },
      { name: 'builder', prompt: 'Build it.' },
    ]);
    expect(loadProfilesFile(profilesFile('[profiles.x]\nmodel = "m"\n')).agents).toEqual(DEFAULT_AGENTS);
    expect(DEFAULT_AGENTS.map((agent) => agent.name)).toEqual(['planner', 'coder', 'reviewer']);
  });

  it('stops the start naming the key at fault', () => {
    expect(() => loadProfilesFile(profilesFile('[profiles.x]\nreasoning_effort = "max"\n'))).toThrow(ConfigError);
    expect(() => loadProfilesFile(profilesFile('[profiles.x]\nreasoning_effort = "max"\n'))).toThrow(/profiles\.x\.reasoningEffort/);
    expect(() => loadProfilesFile(profilesFile('[profiles.x]\nmodle = "m"\n'))).toThrow(/modle/);
    expect(() => loadProfilesFile(profilesFile('[profiles.x\n'))).toThrow(/MASTER_PROFILES_FILE/);
  });
});

describe('profiles through the API', () => {
  it('lists, creates, replaces and deletes API profiles; file profiles are read-only (409)', async () => {
    const m = await started();
    const put = await m.api('/api/profiles/review', { method: 'PUT', body: JSON.stringify({ model: 'gpt-5', tags: ['gpu'] }) });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ name: 'review', model: 'gpt-5', tags: ['gpu'], source: 'api' });
    expect((await m.api('/api/profiles/review', { method: 'PUT', body: JSON.stringify({ model: 'gpt-5.1' }) })).status).toBe(200);
    const list = (await (await m.api('/api/profiles')).json()) as { profiles: Array<{ name: string; source: string; model?: string }>; agents: Array<{ name: string }> };
    expect(list.profiles.map((p) => [p.name, p.source, p.model])).toEqual([['fast', 'file', 'gpt-5-mini'], ['review', 'api', 'gpt-5.1']]);
    expect(list.agents.map((a) => a.name)).toEqual(['architect', 'builder']);
    const refused = await m.api('/api/profiles/fast', { method: 'PUT', body: JSON.stringify({ model: 'x' }) });
    expect(refused.status).toBe(409);
    expect((await m.api('/api/profiles/fast', { method: 'DELETE' })).status).toBe(409);
    expect((await m.api('/api/profiles/review', { method: 'DELETE' })).status).toBe(204);
    expect((await m.api('/api/profiles/review', { method: 'DELETE' })).status).toBe(404);
    expect((await m.api('/api/profiles/bad', { method: 'PUT', body: JSON.stringify({ repo: 'not a repo' }) })).status).toBe(400);
  });

  it('fills what a job leaves unset from profileName, keeps the name, and refuses an unknown one (400)', async () => {
    const m = await started();
    const node = await ChangeNode.connect(m, 'builder');
    clients.push(node);
    const made = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'fix it', profileName: 'fast', profile: { sandbox: 'workspace-write' } }) });
    expect(made.status).toBe(201);
    const job = (await made.json()) as { id: number; profileName: string };
    expect(job.profileName).toBe('fast');
    const spec = await node.assigned();
    expect(spec).toMatchObject({ id: job.id, repo: 'acme/app', ref: 'main', profile: { model: 'gpt-5-mini', reasoningEffort: 'low', sandbox: 'workspace-write', approvalTimeoutSec: 120 } });
    const unknown = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'x', profileName: 'nope' }) });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('no profile named \\"nope\\" (there are fast)');
  });

  it('reaches bridges: profiles and each node\'s Codex version in status, profileName on job_submit', async () => {
    const m = await started();
    const node = await TestClient.node(m.wsUrl, m.nodeToken.value, { name: 'n1', capabilities: { slots: 1, executors: ['codex'], codexVersion: '0.169.0' }, runningJobs: [] });
    const bridge = await TestClient.node(m.wsUrl, m.bridgeToken.value, { name: 'chat', role: 'bridge' });
    clients.push(node, bridge);
    bridge.sendJson({ type: 'status_request', requestId: 's1' });
    const status = (await bridge.next((f) => f.json?.type === 'status')).json as { nodes: Array<{ codexVersion?: string }>; profiles: Array<{ name: string }> };
    expect(status.nodes[0]?.codexVersion).toBe('0.169.0');
    expect(status.profiles.map((p) => p.name)).toEqual(['fast']);
    bridge.sendJson({ type: 'job_submit', requestId: 'r1', prompt: 'hello', profileName: 'fast', origin: { kind: 'telegram', chatId: 5, userId: 9 } });
    const update = (await bridge.next((f) => f.json?.type === 'job_update' && f.json.requestId === 'r1')).json as { job: { profileName?: string } };
    expect(update.job.profileName).toBe('fast');
    bridge.sendJson({ type: 'job_submit', requestId: 'r2', prompt: 'hello', profileName: 'nope', origin: { kind: 'telegram', chatId: 5, userId: 9 } });
    expect((await bridge.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'bad_request', requestId: 'r2' });
  });
});
