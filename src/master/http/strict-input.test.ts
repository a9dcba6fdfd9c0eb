import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../test-support/raw-http.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';

/** A valid body for every route that takes one: a route added with a body must add one here. */
const VALID_BODIES: Record<string, object> = {
  'POST /api/broadcast': { text: 'hi' },
  'POST /api/jobs': { prompt: 'x' },
  'POST /api/jobs/:id/publish': { mode: 'pr' },
  'POST /api/jobs/:id/questions/:qid': { decision: 'accept' },
  'PUT /api/config': { memo: 'x' },
  'POST /api/remote-nodes': { name: 'r1', host: 'r1.example' },
  'PATCH /api/remote-nodes/:id': { status: 'online' },
  'POST /api/tokens': { role: 'node', name: 'strict' },
  'PUT /api/profiles/:name': { model: 'gpt-5' },
  'PUT /api/budgets': { userDaily: 1000 },
};
/** Routes whose body is a file's raw bytes: it has no fields to be unknown. */
const RAW_BODIES = new Set(['POST /api/attachments']);

let master: TestMaster;
beforeAll(async () => {
  master = await startTestMaster();
});
afterAll(async () => {
  await master.close();
  removeTempDirs();
});

const admin = () => `Authorization: Bearer ${master.adminToken.value}`;
const ask = (method: string, path: string, body = '') => rawRequest(master.http.port, `${method} ${path} HTTP/1.1\r\n${admin()}`, body);
const concrete = (url: string) => url.replace(':id', '1').replace(':name', 'strict').replace(':qid', 'a1q1');
const message = (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message;

describe('strict input on every route (derived from the route table)', () => {
  it('refuses an unknown query parameter, naming it', async () => {
    for (const route of master.httpRoutes.filter((r) => r.url.startsWith('/api/'))) {
      const answer = await ask(route.method, `${concrete(route.url)}?surprise=1`, route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE' ? '' : '{}');
      expect(answer.status, `${route.method} ${route.url}`).toBe(400);
      if (route.method !== 'HEAD') expect(message(answer.body), `${route.method} ${route.url}`).toContain('surprise');
    }
  });

  it('refuses an unknown body field, naming it, on every route that takes a body', async () => {
    const withBodies = master.httpRoutes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !RAW_BODIES.has(`${r.method} ${r.url}`));
    for (const route of withBodies) {
      const key = `${route.method} ${route.url}`;
      const valid = VALID_BODIES[key] ?? {};
      const answer = await ask(route.method, concrete(route.url), JSON.stringify({ ...valid, surprise: 1 }));
      expect(answer.status, key).toBe(400);
      expect(message(answer.body), key).toContain('surprise');
    }
    const routesWithBodies = Object.keys(VALID_BODIES);
    for (const key of routesWithBodies) expect(withBodies.map((r) => `${r.method} ${r.url}`)).toContain(key);
  });

  it('runs nothing with a field the API does not know (a sandbox outside the profile)', async () => {
    const answer = await ask('POST', '/api/jobs', '{"prompt":"x","sandbox":"read-only"}');
    expect(answer.status).toBe(400);
    expect(message(answer.body)).toContain('sandbox');
    const profile = await ask('POST', '/api/jobs', '{"prompt":"x","profile":{"sandbox":"read-only","network":true}}');
    expect(message(profile.body)).toContain('network');
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toEqual([]);
  });

  it.each(['1e3', '0x10', '+1', '1.0', '%201', '0', '-1', '99999999999999999999'])('reads only decimal digits as an id: %s is refused', async (id) => {
    for (const path of [`/api/jobs/${id}`, `/api/jobs?before=${id}`, `/api/jobs/1/logs?after=${id === '0' ? 'x' : id}`]) {
      const answer = await ask('GET', path);
      expect(answer.status, path).toBe(400);
    }
  });
});
