import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isoNow } from '../../src/protocol/index.js';
import { apiOf, fetchJob } from '../../src/test-support/delivery-audit.js';
import { stopFaultParts } from '../../src/test-support/fault-teardown.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';
import { TestClient, type Received } from '../../src/test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../src/test-support/test-master.js';
import { waitFor } from '../../src/test-support/wait.js';

const ANSWER_TIMEOUT_MS = 3000;
let master: TestMaster | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await stopFaultParts({ master });
});
afterAll(removeTempDirs);

/** A raw node with one slot that claims `runningJobs` in its hello. */
async function rawNode(m: TestMaster, name: string, runningJobs: number[]): Promise<TestClient> {
  const hello = { role: 'node', name, nodeId: `node-${name}-claims`, capabilities: { slots: 1, executors: ['stream'] }, runningJobs };
  const client = await TestClient.node(m.wsUrl, m.nodeToken.value, hello);
  clients.push(client);
  return client;
}

async function createJob(m: TestMaster, prompt: string): Promise<number> {
  const response = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt }) });
  return ((await response.json()) as { id: number }).id;
}

const isAssign = (jobId: number) => (m: Received) => m.json?.type === 'job_assign' && (m.json.job as { id: number }).id === jobId;
const isCancel = (jobId: number) => (m: Received) => m.json?.type === 'job_cancel' && m.json.jobId === jobId;

/** Waits for a frame; on timeout fails saying what was expected and what the job looks like. */
async function expectFrame(m: TestMaster, client: TestClient, match: (m: Received) => boolean, jobId: number, what: string): Promise<Received> {
  try {
    return await client.next(match, ANSWER_TIMEOUT_MS);
  } catch {
    const job = await fetchJob(apiOf(m), jobId);
    const nodes = (await (await m.api('/api/nodes')).json()) as { nodes: Array<{ name: string; runningJobs: number[] }> };
    const slots = nodes.nodes.map((n) => `${n.name} runs [${n.runningJobs.join(', ')}]`).join('; ');
    throw new Error(`${what} within ${ANSWER_TIMEOUT_MS / 1000} s; job ${jobId} is ${job.status}${job.node === undefined ? '' : ` on ${job.node}`}; ${slots}`);
  }
}

/** Plays a whole job as a node would (started and finished in one frame). */
function finishJob(client: TestClient, jobId: number): void {
  const result = { status: 'succeeded', filesChanged: [], commands: [], durationMs: 1 };
  const events = [
    { seq: 1, at: isoNow(), event: { kind: 'started', executor: 'stream' } },
    { seq: 2, at: isoNow(), event: { kind: 'finished', result } },
  ];
  client.sendJson({ type: 'job_events', jobId, attempt: 1, events });
}

describe('hello.runningJobs is checked against the store', () => {
  it('a node reconnecting with a job that already ended (its final ack lost) gets a free slot and is told the job ended', async () => {
    master = await startTestMaster();
    const first = await rawNode(master, 'claimer', []);
    const ended = await createJob(master, 'ends before the reconnect');
    await expectFrame(master, first, isAssign(ended), ended, 'the first job was not assigned');
    finishJob(first, ended);
    const m = master;
    await waitFor(async () => (await fetchJob(apiOf(m), ended)).status === 'succeeded', `job ${ended} to succeed`);
    // The connection drops before the node has read the final acknowledgement: it still holds the job.
    first.close();
    await waitFor(async () => ((await (await m.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 0, 'the node to be gone');

    const again = await rawNode(master, 'claimer', [ended]);
    const next = await createJob(master, 'runs on the freed slot');
    await expectFrame(master, again, isAssign(next), next, `job ${next} was not assigned to node claimer, whose only slot is free (it claimed ended job ${ended})`);
    const answer = await expectFrame(master, again, isCancel(ended), ended, `the claim of ended job ${ended} got no job_cancel`);
    expect(answer.json, `the answer to the claim of ended job ${ended}`).toMatchObject({ reason: 'ended' });
  });

  it("a node claiming another node's job is told it is not its own, keeps a free slot, and the owner keeps the job", async () => {
    master = await startTestMaster();
    const owner = await rawNode(master, 'owner', []);
    const owned = await createJob(master, 'stays with its owner');
    await expectFrame(master, owner, isAssign(owned), owned, 'the owned job was not assigned');

    const claimer = await rawNode(master, 'claimer', [owned]);
    const next = await createJob(master, 'runs on the claimer');
    await expectFrame(master, claimer, isAssign(next), next, `job ${next} was not assigned to node claimer, whose only slot is free (it claimed job ${owned} of node owner)`);
    expect((await fetchJob(apiOf(master), owned)).node, `job ${owned} after node claimer claimed it`).toBe('owner');
    const answer = await expectFrame(master, claimer, isCancel(owned), owned, `the claim of job ${owned} (node owner's) got no job_cancel`);
    expect(answer.json, `the answer to the claim of job ${owned}`).toMatchObject({ reason: 'not_assigned' });
  });
});
