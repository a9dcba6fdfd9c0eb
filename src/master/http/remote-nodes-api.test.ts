import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import type { RemoteNode } from '../store/index.js';

let master: TestMaster;
afterEach(async () => master.close());
afterAll(removeTempDirs);

async function call<T = RemoteNode>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await master.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? undefined : JSON.parse(text)) as T };
}
const list = async () => (await call<{ remoteNodes: RemoteNode[]; defaultTags: string[] }>('GET', '/api/remote-nodes')).json;
const errorOf = (json: unknown) => (json as { error: { code: string; message: string } }).error;

describe('/api/remote-nodes', () => {
  it('adds records with REMOTE_DEFAULT_TAGS, changes and deletes them', async () => {
    master = await startTestMaster({ remoteDefaultTags: ['codex', 'remote'] });
    expect(await list()).toEqual({ remoteNodes: [], defaultTags: ['codex', 'remote'] });
    const added = await call('POST', '/api/remote-nodes', { name: 'build-box', host: 'build.example.com:22' });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      id: 1,
      name: 'build-box',
      host: 'build.example.com:22',
      tags: ['codex', 'remote'],
      status: 'offline',
      createdAt: expect.any(String) as unknown,
      updatedAt: added.json.createdAt,
    });
    const tagged = (await call('POST', '/api/remote-nodes', { name: 'gpu', host: '10.0.0.7', tags: ['gpu', 'gpu', 'linux'] })).json;
    expect(tagged.tags).toEqual(['gpu', 'linux']);
    const changed = await call('PATCH', '/api/remote-nodes/1', { status: 'maintenance', tags: [] });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ id: 1, name: 'build-box', status: 'maintenance', tags: [], createdAt: added.json.createdAt });
    expect((await list()).remoteNodes).toEqual([changed.json, tagged]);
    expect(await call('DELETE', '/api/remote-nodes/1')).toEqual({ status: 204, json: undefined });
    expect((await list()).remoteNodes).toEqual([tagged]);
  });

  it('answers 404 for unknown ids and 409 for a name that is taken, whatever its case', async () => {
    master = await startTestMaster();
    await call('POST', '/api/remote-nodes', { name: 'alpha', host: 'alpha.local' });
    const beta = (await call('POST', '/api/remote-nodes', { name: 'beta', host: '::1' })).json;
    for (const [method, body] of [['PATCH', { status: 'online' }], ['DELETE', undefined]] as const) {
      const res = await call(method, '/api/remote-nodes/99', body);
      expect(res.status).toBe(404);
      expect(errorOf(res.json)).toEqual({ code: 'not_found', message: 'no remote node 99' });
    }
    for (const [method, path, body] of [
      ['POST', '/api/remote-nodes', { name: 'ALPHA', host: 'other.local' }],
      ['PATCH', `/api/remote-nodes/${beta.id}`, { name: 'alpha' }],
    ] as const) {
      const res = await call(method, path, body);
      expect(res.status).toBe(409);
      expect(errorOf(res.json)).toEqual({ code: 'conflict', message: 'a remote node named "alpha" already exists' });
    }
    expect((await call('PATCH', `/api/remote-nodes/${beta.id}`, { name: 'Beta' })).json).toMatchObject({ name: 'Beta' });
  });

  it.each([
    ['POST', '/api/remote-nodes', { host: 'h' }, 'name'],
    ['POST', '/api/remote-nodes', { name: ' ', host: 'h' }, 'name: must not be empty'],
    ['POST', '/api/remote-nodes', { name: 'n', host: 'https://h.example/x' }, 'host: must be a host name'],
    ['POST', '/api/remote-nodes', { name: 'n', host: 'h', tags: ['has space'] }, 'tags.0'],
    ['POST', '/api/remote-nodes', { name: 'n', host: 'h', extra: 1 }, 'extra'],
    ['PATCH', '/api/remote-nodes/1', { status: 'gone' }, 'status: must be online, offline or maintenance'],
    ['PATCH', '/api/remote-nodes/1', {}, 'at least one of'],
    ['PATCH', '/api/remote-nodes/first', { status: 'online' }, 'id'],
    ['DELETE', '/api/remote-nodes/-1', undefined, 'id'],
  ])('refuses %s %s %j with a 400 naming %s', async (method, path, body, mentions) => {
    master = await startTestMaster();
    await call('POST', '/api/remote-nodes', { name: 'existing', host: 'h' });
    const res = await call(method, path, body);
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('bad_request');
    expect(errorOf(res.json).message).toContain(mentions);
  });

  it('keeps the records across a restart', async () => {
    master = await startTestMaster();
    const added = (await call('POST', '/api/remote-nodes', { name: 'kept', host: 'kept.example', tags: ['a'] })).json;
    await master.close();
    master = await startTestMaster({ dataDir: master.config.dataDir, remoteDefaultTags: ['later'] });
    expect(await list()).toEqual({ remoteNodes: [added], defaultTags: ['later'] });
  });
});
