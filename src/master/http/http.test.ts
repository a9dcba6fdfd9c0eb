import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { StoreCommitError } from '../store/index.js';

let master: TestMaster;
afterEach(async () => master.close());
afterAll(removeTempDirs);

describe('HTTP API authentication', () => {
  it('takes the admin token as a bearer header, never from the URL', async () => {
    master = await startTestMaster();
    expect((await master.api('/api/nodes')).status).toBe(200);
    const inUrl = await fetch(`${master.httpUrl}/api/nodes?token=${master.adminToken.value}`);
    expect(inUrl.status).toBe(401);
    expect(await inUrl.text()).not.toContain(master.adminToken.value);
  });

  it('checks every request on a keep-alive connection that has already presented the right token', async () => {
    master = await startTestMaster();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (token: string | undefined) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
        const req = request(`${master.httpUrl}/api/nodes`, { agent, headers }, (res) => {
          res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
        });
        req.on('error', reject).end();
      });
    const admin = master.adminToken.value;
    const answers = [];
    for (const token of [admin, `${admin.slice(0, -1)}x`, admin, undefined, master.nodeToken.value, admin]) answers.push(await ask(token));
    agent.destroy();
    expect(answers.map((a) => a.status)).toEqual([200, 401, 200, 401, 401, 200]);
    expect(new Set(answers.map((a) => a.socket)).size).toBe(1);
  });
});

describe('replies and the store', () => {
  it('holds a reply until a commit that answers later is done, and answers 500 when it fails', async () => {
    master = await startTestMaster();
    const store = master.store;
    const commit = store.commit.bind(store);
    const answers: Array<(error?: Error) => void> = [];
    store.commit = () => {
      void commit();
      return new Promise<void>((resolve, reject) => answers.push((error) => (error ? reject(error) : resolve())));
    };
    try {
      let answered = false;
      const reply = master.api('/api/nodes').then((res) => ((answered = true), res));
      await waitFor(() => answers.length === 1, 'the reply to wait for its commit');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      answers.shift()?.();
      expect((await reply).status).toBe(200);
      const failing = master.api('/api/nodes');
      await waitFor(() => answers.length === 1, 'the reply to wait for its commit');
      // The error's own reply commits too: at once, this time.
      store.commit = commit;
      answers.shift()?.(new StoreCommitError('the store could not commit: database or disk is full'));
      expect((await failing).status).toBe(500);
    } finally {
      store.commit = commit;
    }
  });
});

describe('HTTP API routes', () => {
  it('reports health and connected nodes', async () => {
    master = await startTestMaster();
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'n1', tags: ['t'] });
    const health = (await (await master.api('/api/health')).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', nodes: 1 });
    const { nodes } = (await (await master.api('/api/nodes')).json()) as { nodes: Array<Record<string, unknown>> };
    expect(nodes).toHaveLength(1);
    expect(Object.keys(nodes[0] ?? {})).toEqual(
      expect.arrayContaining(['id', 'name', 'tags', 'status', 'connectedAt', 'lastActivity', 'address', 'capabilities', 'runningJobs']),
    );
    expect(nodes[0]).toMatchObject({ name: 'n1', tags: ['t'], status: 'online', runningJobs: [] });
    node.close();
  });

  it('broadcasts text to every node and says how many it reached', async () => {
    master = await startTestMaster();
    const [a, b] = [await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'a' }), await TestClient.connect(master.wsUrl, master.nodeToken.value)];
    const res = await master.api('/api/broadcast', { method: 'POST', body: JSON.stringify({ text: 'hello nodes' }) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ delivered: 2 });
    expect((await a.next()).text).toBe('hello nodes');
    expect((await b.next()).text).toBe('hello nodes');
    a.close();
    b.close();
  });

  it.each([
    ['{"text":""}', 400, 'bad_request', 'text'],
    ['{"message":"x"}', 400, 'bad_request', 'text'],
    ['{"text":', 400, 'bad_request', 'JSON'],
  ])('rejects the broadcast body %s with %i %s', async (body, status, code, mentions) => {
    master = await startTestMaster();
    const res = await master.api('/api/broadcast', { method: 'POST', body });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).toContain(mentions);
  });

  it('rejects a body over the size limit with 413 and a stable code', async () => {
    master = await startTestMaster({ maxPayloadBytes: 2048 });
    const res = await master.api('/api/broadcast', { method: 'POST', body: JSON.stringify({ text: 'z'.repeat(4096) }) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('answers unknown API routes with a JSON 404', async () => {
    master = await startTestMaster();
    const res = await master.api('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/nope' } });
  });

  it('remembers nodes it has seen across a restart', async () => {
    master = await startTestMaster();
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'remembered', tags: ['x'], version: '1.2.3' });
    node.close();
    await master.close();
    master = await startTestMaster({ dataDir: master.config.dataDir });
    const { nodes } = (await (await master.api('/api/nodes/known')).json()) as { nodes: Array<Record<string, unknown>> };
    expect(nodes).toEqual([expect.objectContaining({ name: 'remembered', tags: ['x'], version: '1.2.3' })]);
    expect((await (await master.api('/api/nodes')).json())).toEqual({ nodes: [] });
  });
});

describe('dashboard', () => {
  it('serves a placeholder that explains how to build the dashboard when there is no bundle', async () => {
    master = await startTestMaster();
    for (const path of ['/', '/jobs/42']) {
      const res = await fetch(`${master.httpUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('npm run build');
    }
  });

  it('serves frontend/dist with the app shell for deep links once it exists', async () => {
    const dist = tempDir('csc-dist-');
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>dashboard shell</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    master = await startTestMaster({}, { dashboardDir: dist });
    const base = master.httpUrl;
    expect(await (await fetch(`${base}/`)).text()).toContain('dashboard shell');
    expect(await (await fetch(`${base}/jobs/42`)).text()).toContain('dashboard shell');
    expect(await (await fetch(`${base}/assets/app.js`)).text()).toBe('console.log(1)');
  });
});
