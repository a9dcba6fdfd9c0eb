import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test-support/raw-http.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import type { RouteEntry } from './index.js';

/**
 * Every registered route (Fastify's own table, so a route added later is covered without editing
 * this file), through many spellings of its path, with every credential that is not the admin's:
 * none may get a 2xx. Raw requests, since fetch would normalize most spellings away.
 */
const SHELL = '<!doctype html><title>dashboard shell</title>';
let master: TestMaster;
let credentials: Array<[string, string]>;

beforeAll(async () => {
  const dist = tempDir('csc-dist-');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), SHELL);
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  master = await startTestMaster({}, { dashboardDir: dist });
  const machine = async (role: string, name: string) => ((await (await master.api('/api/tokens', { method: 'POST', body: JSON.stringify({ role, name }) })).json()) as { token: string }).token;
  const session = (await master.api('/api/session', { method: 'POST' })).headers.get('set-cookie')?.split(';')[0] ?? '';
  credentials = [
    ['no credential', ''],
    ['a wrong token', 'Authorization: Bearer wrong-wrong-wrong-wrong-wrong'],
    ['the node credential', `Authorization: Bearer ${master.nodeToken.value}`],
    ['the bridge credential', `Authorization: Bearer ${master.bridgeToken.value}`],
    ['a per-machine node credential', `Authorization: Bearer ${await machine('node', 'matrix-node')}`],
    ['a per-machine bridge credential', `Authorization: Bearer ${await machine('bridge', 'matrix-bridge')}`],
    ['the admin token in the URL', `X-Token-In: url`],
    ['the admin token as a Basic password', `Authorization: Basic ${Buffer.from(`admin:${master.adminToken.value}`).toString('base64')}`],
    ['the session cookie (streams only)', `Cookie: ${session}`],
  ];
});
afterAll(async () => {
  await master.close();
  removeTempDirs();
});

/** A concrete path for a route pattern. */
function concrete(url: string): string {
  return url.replace(':id', '1').replace(':name', 'matrix-node').replace(':qid', 'a1q1');
}

const hex = (c: string): string => c.charCodeAt(0).toString(16);

/**
 * Spellings of one path that a router, a proxy or a decoder may take for the same route, built
 * on its first segment (`api` for the API, `metrics` for `/metrics`): `/%61pi/…`, `/API/…`, …
 */
function spellings(path: string, port: number): string[] {
  const [, head = '', ...segments] = path.split('/');
  const rest = segments.length > 0 ? `/${segments.join('/')}` : '';
  const [first = '', ...others] = segments;
  const tail = others.length > 0 ? `/${others.join('/')}` : '';
  const initial = head.charAt(0);
  const encoded = `%${hex(initial)}${head.slice(1)}`;
  return [
    path,
    `/${encoded}${rest}`,
    `/${[...head].map((c) => `%${hex(c)}`).join('')}${rest}`,
    `/%${hex(initial.toUpperCase())}${head.slice(1).toUpperCase()}${rest}`,
    `/${head.toUpperCase()}${rest}`,
    `/${initial.toUpperCase()}${head.slice(1)}${rest}`,
    `//${head}${rest}`,
    `/${head}/${rest}`,
    `/./${head}${rest}`,
    `/x/../${head}${rest}`,
    `/%2e/${head}${rest}`,
    `/x/%2e%2e/${head}${rest}`,
    `${path}/`,
    `/${head};x=1${rest}`,
    first === '' ? `/${head};${rest}` : `/${head}/${first};x=1${tail}`,
    `/${head}%2f${rest.slice(1)}`,
    `/%25${encoded.slice(1)}${rest}`,
    `/${head}%252f${rest.slice(1)}`,
    `http://127.0.0.1:${port}${path}`,
    `HTTP://127.0.0.1:${port}/${encoded}${rest}`,
    `${path}?`,
    `${path}#x`,
    `/${head}\\${rest.slice(1)}`,
  ];
}

const bodyFor = (method: string): string => (['POST', 'PUT', 'PATCH'].includes(method) ? '{"prompt":"x","text":"x","role":"node","name":"n"}' : '');

describe('the auth matrix', () => {
  it('covers a route table that has every API route and declares only health and the dashboard public', () => {
    const routes = master.httpRoutes;
    expect(routes.length).toBeGreaterThan(20);
    for (const [method, url] of [['POST', '/api/jobs'], ['PUT', '/api/config'], ['GET', '/api/events'], ['DELETE', '/api/tokens/:name']]) {
      expect(routes).toContainEqual(expect.objectContaining({ method, url }));
    }
    const open = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual(['GET /', 'GET /api/health', 'GET /assets/app.js', 'GET /index.html', 'HEAD /', 'HEAD /api/health', 'HEAD /assets/app.js', 'HEAD /index.html']);
  });

  it('answers every closed route, however spelled, with no 2xx to anyone but the admin', async () => {
    const closed = master.httpRoutes.filter((r) => r.access !== 'public');
    const granted: string[] = [];
    for (const route of closed) {
      // Outside /api an unrouted spelling (`/METRICS`) gets the dashboard's public shell, which grants nothing.
      const shellServed = (answer: { body: string }) => !route.url.startsWith('/api/') && answer.body === SHELL;
      const admin = await ask(route, concrete(route.url), `Authorization: Bearer ${master.adminToken.value}`);
      // The route is real: with the admin token its own path passes the check.
      expect(admin.status, `${route.method} ${route.url} with the admin token`).not.toBe(401);
      for (const path of spellings(concrete(route.url), master.http.port)) {
        for (const [who, header] of credentials) {
          // The cookie is meant to open the streams, however their path is spelled.
          if (who.startsWith('the session cookie') && route.access === 'stream') continue;
          const answer = await ask(route, path, header);
          if (answer.status >= 200 && answer.status < 300 && !shellServed(answer)) granted.push(`${route.method} ${path} with ${who}: ${answer.status}`);
          if (answer.status === 0) granted.push(`${route.method} ${path} with ${who}: no answer`);
        }
      }
    }
    expect(granted).toEqual([]);
  }, 120_000);

  it('lets the session cookie open only the read-only streams', async () => {
    const [, cookie] = credentials.find(([who]) => who.startsWith('the session cookie')) ?? [];
    const streams = master.httpRoutes.filter((r) => r.access === 'stream');
    expect(streams.map((r) => `${r.method} ${r.url}`).sort()).toEqual(['GET /api/events', 'GET /api/jobs/:id/logs/stream']);
    const job = (await (await master.api('/api/jobs', { method: 'POST', body: '{"prompt":"followed"}' })).json()) as { id: number };
    const events = await ask({ method: 'GET', url: '/api/events', access: 'stream' }, '/api/events', cookie ?? '');
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toContain('text/event-stream');
    const log = await ask({ method: 'GET', url: '', access: 'stream' }, `/api/jobs/${job.id}/logs/stream`, cookie ?? '');
    expect(log.status).toBe(200);
    // The signature's first character, not its last: base64url's last character of a 32-byte HMAC
    // carries padding bits, and flipping only those decodes to the same, genuine signature.
    const forged = (cookie ?? '').replace(/\.(.)/, (_, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    expect(forged).not.toBe(cookie);
    expect((await ask({ method: 'GET', url: '', access: 'stream' }, '/api/events', forged)).status).toBe(401);
  });

  it('tells the public health check nothing but that the master is up', async () => {
    const anonymous = await rawRequest(master.http.port, 'GET /api/health HTTP/1.1');
    expect(anonymous.status).toBe(200);
    const body = JSON.parse(anonymous.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['startedAt', 'status', 'time', 'uptimeSec', 'version']);
    const admin = (await (await master.api('/api/health')).json()) as Record<string, unknown>;
    expect(admin).toHaveProperty('nodes');
    expect(admin).toHaveProperty('lastConfigSave');
  });
});

async function ask(route: RouteEntry, path: string, header: string) {
  const target = header === 'X-Token-In: url' ? `${path}${path.includes('?') ? '&' : '?'}token=${master.adminToken.value}` : path;
  return rawRequest(master.http.port, `${route.method} ${target} HTTP/1.1${header === '' ? '' : `\r\n${header}`}`, bodyFor(route.method));
}
