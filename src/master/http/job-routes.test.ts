import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MasterConfig } from '../../config/index.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import type { JobRecord } from '../store/index.js';
import type { JobUpdate } from '../jobs/index.js';

let master: TestMaster;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

interface Answer<T> {
  status: number;
  json: T;
  replayed: string | null;
}

async function post<T = JobRecord>(body: unknown, key?: string): Promise<Answer<T>> {
  const res = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify(body), headers: key === undefined ? {} : { 'idempotency-key': key } });
  return { status: res.status, json: (await res.json()) as T, replayed: res.headers.get('idempotent-replayed') };
}
const getJob = async (id: number) => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
const listJobs = async () => ((await (await master.api('/api/jobs')).json()) as { jobs: JobRecord[] }).jobs;

async function rawNode(name: string, options: { tags?: string[]; slots?: number; executors?: string[] } = {}): Promise<TestClient> {
  const capabilities = { slots: options.slots ?? 1, executors: options.executors ?? ['raw'] };
  const client = await TestClient.node(master.wsUrl, master.nodeToken.value, { name, tags: options.tags ?? [], capabilities });
  clients.push(client);
  return client;
}

function withJobs(jobs: Partial<MasterConfig['jobs']>): Partial<MasterConfig> {
  return { jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false, ...jobs } };
}

describe('POST /api/jobs with an Idempotency-Key', () => {
  it('makes one job per key: a repeat gets it with 200, another request with the same key is a 409', async () => {
    master = await startTestMaster();
    const first = await post({ prompt: 'only once', tags: ['x'] }, 'retry-me-1');
    expect(first).toMatchObject({ status: 201, replayed: null, json: { id: 1, status: 'queued' } });
    // The same request with its fields in another order is the same request.
    const again = await post({ tags: ['x'], prompt: 'only once' }, 'retry-me-1');
    expect(again).toMatchObject({ status: 200, replayed: 'true', json: { id: 1, prompt: 'only once' } });
    const other = await post<{ error: { code: string; message: string } }>({ prompt: 'something else' }, 'retry-me-1');
    expect(other.status).toBe(409);
    expect(other.json.error).toEqual({ code: 'conflict', message: 'Idempotency-Key "retry-me-1" was already used for a different request (job 1); send a new key for a new job' });
    // Without a key, or with another one, every request is a new job.
    expect((await post({ prompt: 'only once', tags: ['x'] })).json.id).toBe(2);
    expect((await post({ prompt: 'only once', tags: ['x'] }, 'retry-me-2')).json.id).toBe(3);
    expect((await listJobs()).map((j) => j.id)).toEqual([3, 2, 1]);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable', 'tab\there'],
  ])('refuses a key that is %s with a 400', async (_what, key) => {
    master = await startTestMaster();
    const res = await post<{ error: { code: string; message: string } }>({ prompt: 'x' }, key);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'bad_request', message: 'Idempotency-Key must be 1-255 printable ASCII characters' });
    expect(await listJobs()).toEqual([]);
  });

  it('recognizes a key across a master restart, and forgets it after 24 h', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const key = '5b3c1e1a-6a55-4c1b-9d7e-2f0e4f1e8a10';
    expect((await post({ prompt: 'survives a restart' }, key)).status).toBe(201);
    await master.close();
    master = await startTestMaster({ dataDir });
    expect(await post({ prompt: 'survives a restart' }, key)).toMatchObject({ status: 200, json: { id: 1 } });

    // 25 hours later (the key's record aged by hand, through the database file) it makes a new job.
    const db = new Database(`${dataDir}/master.db`);
    db.prepare("UPDATE job_idempotency_keys SET created_at = ? WHERE key = ?").run(new Date(Date.now() - 25 * 3600_000).toISOString(), key);
    db.close();
    expect(await post({ prompt: 'survives a restart' }, key)).toMatchObject({ status: 201, json: { id: 2 } });
    expect(await post({ prompt: 'survives a restart' }, key)).toMatchObject({ status: 200, json: { id: 2 } });
  });
});

describe('why a queued job waits', () => {
  it('says which node or tags nobody connected has, or that the matching nodes cannot run or are busy', async () => {
    master = await startTestMaster();
    const named = await post({ prompt: 'there', node: 'gpu-box' });
    expect(named.json.waiting).toBe('no connected node named gpu-box');
    const tagged = (await post({ prompt: 'train', tags: ['gpu'] })).json;
    expect((await getJob(tagged.id)).waiting).toBe('no connected node has tags gpu');

    const idle = await rawNode('gpu-0', { tags: ['gpu'], executors: [] });
    expect((await getJob(tagged.id)).waiting).toBe('the matching node gpu-0 cannot run jobs (no executor or 0 slots)');
    idle.close();
    const a = await rawNode('gpu-1', { tags: ['gpu', 'linux'] });
    await a.next((m) => m.json?.type === 'job_assign');
    const b = await rawNode('gpu-2', { tags: ['gpu'] });
    const second = (await post({ prompt: 'second', tags: ['gpu'] })).json;
    await b.next((m) => m.json?.type === 'job_assign');
    const behind = (await post({ prompt: 'behind', tags: ['gpu'] })).json;
    expect(behind.waiting).toBe('all 2 matching nodes are busy');
    expect((await listJobs()).map((j) => [j.id, j.status, j.waiting])).toEqual([
      [behind.id, 'queued', 'all 2 matching nodes are busy'],
      [second.id, 'assigned', undefined],
      [tagged.id, 'assigned', undefined],
      [named.json.id, 'queued', 'no connected node named gpu-box'],
    ]);
    const box = await rawNode('gpu-box', { slots: 1 });
    await box.next((m) => m.json?.type === 'job_assign');
    expect((await getJob(named.json.id)).waiting).toBeUndefined();
  });

  it('tells listeners when the reason changes as nodes come and go, not on every dispatch', async () => {
    master = await startTestMaster();
    const heard: string[] = [];
    master.jobs.subscribe(({ job }: JobUpdate) => {
      if (job.waiting !== undefined) heard.push(job.waiting);
    });
    const job = (await post({ prompt: 'needs linux', tags: ['linux'] })).json;
    const plain = await rawNode('plain');
    await waitFor(() => heard.length === 1, 'a reason');
    await rawNode('plain-2');
    const linux = await rawNode('linux-1', { tags: ['linux'], slots: 0 });
    await waitFor(() => heard.length === 2, 'the next reason');
    linux.close();
    plain.close();
    await waitFor(() => heard.length === 3, 'the reason once it has gone');
    expect(heard).toEqual([
      'no connected node has tags linux',
      'the matching node linux-1 cannot run jobs (no executor or 0 slots)',
      'no connected node has tags linux',
    ]);
    expect((await getJob(job.id)).status).toBe('queued');
  });

  it('fails a job still queued after its queue timeout, saying why it never started', async () => {
    master = await startTestMaster();
    const job = (await post({ prompt: 'nobody has it', tags: ['nobody'], queueTimeoutSec: 1 })).json;
    expect(job.queueTimeoutSec).toBe(1);
    const taken = (await post({ prompt: 'taken in time', queueTimeoutSec: 1 })).json;
    const node = await rawNode('worker');
    await node.next((m) => m.json?.type === 'job_assign');
    await waitFor(async () => (await getJob(job.id)).status === 'failed', 'the queue timeout', 3000);
    expect((await getJob(job.id)).error).toBe('never started: still queued after 1 s; no connected node has tags nobody');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await getJob(taken.id)).status).toBe('assigned');
  });

  it('applies MASTER_QUEUE_TIMEOUT to jobs that set none, also to jobs queued before a restart', async () => {
    master = await startTestMaster(withJobs({ queueTimeoutSec: 0.5 }));
    const { dataDir } = master.config;
    const job = (await post({ prompt: 'waits', node: 'absent' })).json;
    await master.close();
    master = await startTestMaster({ dataDir, ...withJobs({ queueTimeoutSec: 0.5 }) });
    await waitFor(async () => (await getJob(job.id)).status === 'failed', 'the queue timeout', 3000);
    expect((await getJob(job.id)).error).toBe('never started: still queued after 0.5 s; no connected node named absent');
  });
});
