import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MasterConfig } from '../../config/index.js';
import type { SequencedJobEvent } from '../../protocol/index.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient, type Received } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import type { JobRecord } from '../store/index.js';

let master: TestMaster;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

const at = '2026-12-01T00:00:00.000Z';
const started = (seq: number) => ({ seq, at, event: { kind: 'started', executor: 'raw' } });
const message = (seq: number, text: string) => ({ seq, at, event: { kind: 'agent_message', text } });
const finished = (seq: number, text: string) => ({ seq, at, event: { kind: 'finished', result: { status: 'succeeded', durationMs: 5, filesChanged: [], commands: [], finalMessage: text } } });

/** A job's re-queue grace and the heartbeat are short, so a node that goes quiet loses its job within a second. */
function quickJobs(overrides: Partial<MasterConfig['jobs']> = {}): Partial<MasterConfig> {
  return { pingIntervalSec: 0.1, maxMissedPings: 2, jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 0.2, cancelWaitSec: 5, allowLocalRepos: false, ...overrides } };
}

async function rawNode(name: string, hello: Record<string, unknown> = {}): Promise<TestClient> {
  const client = await TestClient.node(master.wsUrl, master.nodeToken.value, { name, nodeId: `${name}-node-id-0001`, capabilities: { slots: 1, executors: ['raw'] }, ...hello });
  clients.push(client);
  return client;
}

async function createJob(body: Record<string, unknown>): Promise<JobRecord> {
  const res = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as JobRecord;
}
const getJob = async (id: number) => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
const logs = async (id: number) => ((await (await master.api(`/api/jobs/${id}/logs`)).json()) as { events: SequencedJobEvent[] }).events;
const ofType = (type: string) => (m: Received) => m.json?.type === type;

describe('one live copy of a job', () => {
  it('stops a node that froze past the grace and came back: its old attempt is refused, never stored', async () => {
    master = await startTestMaster(quickJobs());
    const frozen = await rawNode('frozen');
    const job = await createJob({ prompt: 'once only' });
    expect((await frozen.next(ofType('job_assign'))).json).toMatchObject({ job: { id: job.id, attempt: 1 } });
    frozen.sendJson({ type: 'job_events', jobId: job.id, attempt: 1, events: [started(1)] });
    expect((await frozen.next(ofType('job_ack'))).json).toMatchObject({ seq: 1 });

    // It stops reading (so it answers no ping): the master drops it, the grace runs out, the job is re-queued.
    frozen.ws.pause();
    const rescuer = await rawNode('rescuer');
    expect((await rescuer.next(ofType('job_assign'), 5000)).json).toMatchObject({ job: { id: job.id, attempt: 2, nextSeq: 3 } });
    rescuer.sendJson({ type: 'job_events', jobId: job.id, attempt: 2, events: [started(3)] });
    await rescuer.next(ofType('job_ack'));

    // It comes back, still holding attempt 1, and sends what that copy did meanwhile.
    const back = await rawNode('frozen', { runningJobs: [job.id] });
    const claim = await back.next(ofType('job_cancel'));
    expect(claim.json).toMatchObject({ jobId: job.id, reason: 'superseded' });
    expect(claim.json?.message).toMatch(/taken back from node frozen after attempt 1 and re-queued; attempt 2 runs on node rescuer/);
    back.sendJson({ type: 'job_events', jobId: job.id, attempt: 1, events: [message(2, 'stale'), finished(3, 'stale copy')] });
    expect((await back.next(ofType('job_cancel'))).json).toMatchObject({ jobId: job.id, reason: 'superseded' });
    expect((await back.next(ofType('job_ack'))).json).toEqual({ type: 'job_ack', jobId: job.id, seq: 3 });

    rescuer.sendJson({ type: 'job_events', jobId: job.id, attempt: 2, events: [finished(4, 'live copy')] });
    await waitFor(async () => (await getJob(job.id)).status === 'succeeded', 'the job to succeed');
    expect(await getJob(job.id)).toMatchObject({ node: 'rescuer', attempt: 2, result: { finalMessage: 'live copy' } });
    const stored = await logs(job.id);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(JSON.stringify(stored)).not.toContain('stale');
    expect(stored[1]?.event).toMatchObject({ kind: 'log', message: expect.stringMatching(/node frozen vanished; re-queued/) as unknown });
  });

  it("drops an old attempt's frames from the node that now runs the new one, without stopping the new one", async () => {
    master = await startTestMaster(quickJobs());
    const first = await rawNode('solo');
    const job = await createJob({ prompt: 'again here' });
    await first.next(ofType('job_assign'));
    first.close();
    await waitFor(async () => (await getJob(job.id)).status === 'queued', 'the job to be re-queued');

    const back = await rawNode('solo', { runningJobs: [job.id] });
    // The old copy is stopped before the new attempt is handed over, in that order.
    await waitFor(() => back.received.some(ofType('job_assign')), 'the new attempt');
    expect(back.received.map((m) => m.json?.type).filter((type) => type === 'job_cancel' || type === 'job_assign')).toEqual(['job_cancel', 'job_assign']);
    expect((await back.next(ofType('job_cancel'))).json).toMatchObject({ jobId: job.id, reason: 'superseded' });
    expect((await back.next(ofType('job_assign'))).json).toMatchObject({ job: { id: job.id, attempt: 2, nextSeq: 2 } });

    back.sendJson({ type: 'job_events', jobId: job.id, attempt: 1, events: [started(2)] });
    // Acknowledged only up to what is stored: seq 2 of the new attempt is not, and must not be forgotten.
    expect((await back.next(ofType('job_ack'))).json).toMatchObject({ seq: 1 });
    back.sendJson({ type: 'job_events', jobId: job.id, attempt: 2, events: [started(2), finished(3, 'second')] });
    expect((await back.next(ofType('job_ack'))).json).toMatchObject({ seq: 3 });
    expect(back.received.filter((m) => m.json?.type === 'job_cancel')).toEqual([]);
    expect(await getJob(job.id)).toMatchObject({ status: 'succeeded', attempt: 2, result: { finalMessage: 'second' } });
    expect((await logs(job.id)).map((e) => e.event.kind)).toEqual(['log', 'started', 'finished']);
  });

  it('refuses events of a job that has ended, answering ended, and stores none of them', async () => {
    master = await startTestMaster();
    const node = await rawNode('late');
    const job = await createJob({ prompt: 'short', timeoutSec: 1 });
    await node.next(ofType('job_assign'));
    // The master ends it (timed out) and says so: the node's own end would be refused.
    expect((await node.next(ofType('job_cancel'), 3000)).json).toMatchObject({ jobId: job.id, reason: 'ended', message: `job ${job.id} timed out after 1 s` });
    node.sendJson({ type: 'job_events', jobId: job.id, attempt: 1, events: [started(1), finished(2, 'too late')] });
    expect((await node.next(ofType('job_cancel'))).json).toMatchObject({ jobId: job.id, reason: 'ended', message: `job ${job.id} has already ended (failed)` });
    expect((await node.next(ofType('job_ack'))).json).toMatchObject({ seq: 2 });
    expect((await logs(job.id)).map((e) => e.event.kind)).toEqual(['finished']);
    expect((await getJob(job.id)).error).toBe('timed out after 1 s');
  });
});

describe('the master decides what a node runs', () => {
  it("answers a node's claims of ended, unknown and other nodes' jobs, across a restart, and they take no slot", async () => {
    master = await startTestMaster();
    const node = await rawNode('claimer');
    const ended = await createJob({ prompt: 'ends', node: 'claimer' });
    await node.next(ofType('job_assign'));
    node.sendJson({ type: 'job_events', jobId: ended.id, attempt: 1, events: [started(1), finished(2, 'done')] });
    await node.next(ofType('job_ack'));
    const other = await rawNode('other');
    const theirs = await createJob({ prompt: 'theirs', node: 'other' });
    await other.next(ofType('job_assign'));
    node.close();
    other.close();

    // After a restart the ended job is not in memory: the store says it ended.
    const { dataDir } = master.config;
    await master.close();
    master = await startTestMaster({ dataDir });
    await rawNode('other', { runningJobs: [theirs.id] });
    const back = await rawNode('claimer', { runningJobs: [ended.id, theirs.id, 99] });
    const answers = [await back.next(ofType('job_cancel')), await back.next(ofType('job_cancel')), await back.next(ofType('job_cancel'))].map((m) => m.json);
    // An unfinished job's answer goes at once; those the store must be asked about (ended, unknown) follow.
    expect(answers).toEqual([
      { type: 'job_cancel', jobId: theirs.id, reason: 'not_assigned', message: `job ${theirs.id} was never given to node claimer; attempt 1 runs on node other` },
      { type: 'job_cancel', jobId: ended.id, reason: 'ended', message: `job ${ended.id} has already ended (succeeded)` },
      { type: 'job_cancel', jobId: 99, reason: 'not_assigned', message: 'there is no job 99 on this master' },
    ]);
    // Its one slot is free: the next job for it is assigned at once.
    const next = await createJob({ prompt: 'fits', node: 'claimer' });
    expect((await back.next(ofType('job_assign'))).json).toMatchObject({ job: { id: next.id, attempt: 1 } });
    expect(master.jobs.runningOn('claimer')).toEqual([next.id]);
    expect(master.jobs.runningOn('other')).toEqual([theirs.id]);
  });
});

describe('shutdown', () => {
  it('arms no re-queue timer for nodes that leave while the master closes (they would write to a closed store)', async () => {
    master = await startTestMaster(quickJobs({ requeueGraceSec: 0.05 }));
    const node = await rawNode('leaving');
    await createJob({ prompt: 'out on a node at shutdown' });
    await node.next(ofType('job_assign'));
    const { dataDir, port } = master.config;
    await master.close();
    // Absence of a late write can only be shown by waiting past the grace: a timer that fired
    // would throw "The database connection is not open" as an unhandled error, failing this file.
    await new Promise((resolve) => setTimeout(resolve, 300));
    master = await startTestMaster({ ...quickJobs(), dataDir, port });
    expect((await getJob(1)).status).toBe('assigned');
  });
});
