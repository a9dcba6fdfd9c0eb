import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EchoExecutor, type NodeWorker } from '../../node/index.js';
import { SseClient, type SseEvent } from '../../test-support/sse-client.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { startTestNode } from '../../test-support/test-node.js';
import { waitFor } from '../../test-support/wait.js';
import type { JobRecord } from '../store/index.js';
import type { NodeView } from './node-view.js';

let master: TestMaster;
const streams: SseClient[] = [];
const workers: NodeWorker[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await master.close();
});
afterAll(removeTempDirs);

async function openEvents(): Promise<SseClient> {
  const stream = await SseClient.open(`${master.httpUrl}/api/events`, { authorization: `Bearer ${master.adminToken.value}` });
  streams.push(stream);
  return stream;
}
type NodeEventData = { event: string; node: NodeView };
const nodeEvent = (event: string, name?: string) => (e: SseEvent) =>
  e.event === 'node' && (e.data as NodeEventData).event === event && (name === undefined || (e.data as NodeEventData).node.name === name);
const jobEvents = (stream: SseClient, id: number) => stream.events.filter((e) => e.event === 'job' && (e.data as JobRecord).id === id).map((e) => e.data as JobRecord);

describe('GET /api/events', () => {
  it('needs the admin token as a bearer header, or the session cookie; never a token in the URL', async () => {
    master = await startTestMaster();
    expect((await fetch(`${master.httpUrl}/api/events`)).status).toBe(401);
    expect((await fetch(`${master.httpUrl}/api/events?token=${master.adminToken.value}`)).status).toBe(401);
    streams.push(await SseClient.open(`${master.httpUrl}/api/events`, { authorization: `Bearer ${master.adminToken.value}` }));
    const session = await master.api('/api/session', { method: 'POST' });
    const cookie = session.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^csc_session=[^;]+; Path=\/api; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    streams.push(await SseClient.open(`${master.httpUrl}/api/events`, { cookie: cookie.split(';')[0] ?? '' }));
    // Signing out clears it; an expired or forged cookie opens nothing.
    expect((await master.api('/api/session', { method: 'DELETE' })).headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${master.httpUrl}/api/events`, { headers: { cookie: 'csc_session=1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
  });

  it('reports nodes connecting, identifying themselves and leaving, with the /api/nodes shape', async () => {
    master = await startTestMaster();
    const stream = await openEvents();
    const node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'n1', tags: ['t'], capabilities: { codexVersion: '0.169.0' } });
    await stream.next(nodeEvent('connected'));
    const updated = (await stream.next(nodeEvent('updated', 'n1'))).data as NodeEventData;
    const { nodes } = (await (await master.api('/api/nodes')).json()) as { nodes: NodeView[] };
    expect(updated.node).toEqual({ ...nodes[0], lastActivity: expect.any(String) as unknown });
    expect(updated.node).toMatchObject({ name: 'n1', tags: ['t'], status: 'online', runningJobs: [], capabilities: { codexVersion: '0.169.0' } });
    node.close();
    expect(((await stream.next(nodeEvent('disconnected', 'n1'))).data as NodeEventData).node).toMatchObject({ name: 'n1', runningJobs: [] });
  });

  it('follows a job through its life, at most one event per job per window, ending with its final state', async () => {
    master = await startTestMaster();
    const stream = await openEvents();
    workers.push(startTestNode(master.wsUrl, master.nodeToken.value, { name: 'worker', executor: new EchoExecutor(400) }));
    await stream.next(nodeEvent('updated', 'worker'));
    const job = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'echo me' }) })).json()) as JobRecord;
    const busy = await stream.next((e) => nodeEvent('updated', 'worker')(e) && (e.data as NodeEventData).node.runningJobs.length > 0);
    expect((busy.data as NodeEventData).node.runningJobs).toEqual([job.id]);
    await stream.next((e) => e.event === 'job' && (e.data as JobRecord).status === 'succeeded');
    await stream.next((e) => nodeEvent('updated', 'worker')(e) && (e.data as NodeEventData).node.runningJobs.length === 0);
    const seen = jobEvents(stream, job.id);
    expect(seen.at(-1)).toEqual((await (await master.api(`/api/jobs/${job.id}`)).json()) as JobRecord);
    expect(seen.at(-1)).toMatchObject({ status: 'succeeded', node: 'worker', result: { finalMessage: 'echo me' } });
    expect(seen.map((j) => j.status)).toContain('running');
    // Six updates (queued, assigned, started, the message, the result, finished) in fewer events.
    expect(seen.length).toBeLessThan(6);
  });

  it('holds job events while their commit is in flight, and the batches after them, then sends them in order', async () => {
    master = await startTestMaster();
    const stream = await openEvents();
    const jobs = master.jobs;
    const commit = jobs.commit.bind(jobs);
    const commits: Array<() => void> = [];
    jobs.commit = () => {
      void commit();
      return new Promise<void>((resolve) => commits.push(resolve));
    };
    try {
      const first = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'one' }) })).json()) as JobRecord;
      await waitFor(() => commits.length === 1, 'the first batch to wait for its commit');
      const second = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'two' }) })).json()) as JobRecord;
      await waitFor(() => commits.length === 2, 'the second batch to wait for its commit');
      // The second commit answers first: its batch still waits for the first.
      commits[1]?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stream.events.filter((e) => e.event === 'job')).toEqual([]);
      commits[0]?.();
      await stream.next((e) => e.event === 'job' && (e.data as JobRecord).id === second.id);
      expect(stream.events.filter((e) => e.event === 'job').map((e) => (e.data as JobRecord).id)).toEqual([first.id, second.id]);
    } finally {
      jobs.commit = commit;
    }
  });

  it('sends saved settings as the API shows them, and every change of the remote nodes', async () => {
    master = await startTestMaster({ remoteDefaultTags: ['r'] });
    const stream = await openEvents();
    const token = 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
    const saved = await (await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ slack: { botToken: token }, memo: 'live' }) })).json();
    expect((await stream.next((e) => e.event === 'config')).data).toEqual(saved);
    expect(JSON.stringify(stream.events)).not.toContain(token);
    await master.api('/api/remote-nodes', { method: 'POST', body: JSON.stringify({ name: 'far', host: 'far.example' }) });
    await master.api('/api/remote-nodes/1', { method: 'DELETE' });
    const lists = [await stream.next((e) => e.event === 'remote_nodes'), await stream.next((e) => e.event === 'remote_nodes' && (e.data as { remoteNodes: [] }).remoteNodes.length === 0)];
    expect(lists[0]?.data).toEqual({ remoteNodes: [expect.objectContaining({ name: 'far', tags: ['r'] })], defaultTags: ['r'] });
  });

  it('ends the streams when the master shuts down', async () => {
    master = await startTestMaster();
    const stream = await openEvents();
    await master.close();
    await expect(stream.next(() => false)).rejects.toThrow('the stream ended');
  });
});
