import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../master/store/index.js';
import type { Frame, JobCancelReason, JobSpec } from '../protocol/index.js';
import { ControlledExecutor } from '../test-support/controlled-executor.js';
import { startDeliveryNode, storedEvents } from '../test-support/delivery-node.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { startScriptedMaster, type ScriptedMaster } from '../test-support/scripted-master.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import type { NodeWorker } from './worker.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(removeTempDirs);

type EventsFrame = Extract<Frame, { type: 'job_events' }>;

function spec(id: number, attempt: number, nextSeq = 1): JobSpec {
  return { id, prompt: `job ${id}`, profile: {}, attempt, nextSeq };
}

/** A node on a stand-in master the test speaks for, with its journal and its log. */
async function scriptedNode(): Promise<{ stand: ScriptedMaster; worker: NodeWorker; executor: ControlledExecutor; journalDir: string; lines: LogLine[] }> {
  const stand = await startScriptedMaster();
  const executor = new ControlledExecutor();
  const journalDir = tempDir();
  const { log, lines } = captureLog();
  const worker = startDeliveryNode(stand.url, 'token', { executor, journalDir, log });
  stops.push(() => stand.close(), () => worker.agent.stop());
  await waitFor(() => worker.agent.connected, 'the node to be welcomed');
  return { stand, worker, executor, journalDir, lines };
}

function eventFrames(stand: ScriptedMaster, jobId: number): EventsFrame[] {
  return stand.received.filter((f): f is EventsFrame => f.type === 'job_events' && f.jobId === jobId);
}

function kinds(frames: EventsFrame[]): string[] {
  return frames.flatMap((f) => f.events.map((e) => `${f.attempt}:${e.seq}:${e.event.kind}`));
}

/** Frames leave in order, a turn at a time: once job `marker`'s `started` is in, anything sent before it is too. */
async function sendMarker(stand: ScriptedMaster, executor: ControlledExecutor, marker: number): Promise<void> {
  stand.send({ type: 'job_assign', job: spec(marker, 1) });
  await executor.waitForRun(marker);
  await waitFor(() => eventFrames(stand, marker).length > 0, `job ${marker}'s first frame`);
}

describe('attempts: one live copy of a job', () => {
  it('every frame names the attempt its events belong to', async () => {
    const { stand, executor } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(7, 3) });
    const run = await executor.waitForRun(7);
    run.emit({ kind: 'agent_message', text: 'hi' });
    run.finish();
    await waitFor(() => kinds(eventFrames(stand, 7)).length === 3, 'three events');
    expect(kinds(eventFrames(stand, 7))).toEqual(['3:1:started', '3:2:agent_message', '3:3:finished']);
    expect(stand.invalid).toEqual([]);
  });

  it('a newer attempt of a job it holds replaces the old copy: run stopped, its events and journal dropped', async () => {
    const { stand, executor, journalDir } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(7, 1) });
    const first = await executor.waitForRun(7, 1);
    first.emit({ kind: 'agent_message', text: 'from attempt 1' });
    await waitFor(() => kinds(eventFrames(stand, 7)).length === 2, 'attempt 1 events');
    stand.send({ type: 'job_assign', job: spec(7, 1) }); // a repeat of the copy it runs: ignored
    stand.send({ type: 'job_assign', job: spec(7, 2, 3) });
    const second = await executor.waitForRun(7, 2);
    expect(first.signal.aborted).toBe(true);
    expect(executor.runs.length).toBe(2);
    second.finish({ finalMessage: 'attempt 2' });
    await sendMarker(stand, executor, 8);
    // Attempt 1's end (cancelled by the abort) never leaves; attempt 2 numbers on from its nextSeq.
    expect(kinds(eventFrames(stand, 7))).toEqual(['1:1:started', '1:2:agent_message', '2:3:started', '2:4:finished']);
    expect(readFileSync(join(journalDir, '7.jsonl'), 'utf8').split('\n')[0]).toContain('"attempt":2');
  });

  it.each<JobCancelReason>(['superseded', 'ended', 'not_assigned'])('job_cancel %s: the copy is stopped and dropped, and the message logged', async (reason) => {
    const { stand, worker, executor, journalDir, lines } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(7, 1) });
    const run = await executor.waitForRun(7);
    run.emit({ kind: 'agent_message', text: 'working' });
    await waitFor(() => existsSync(join(journalDir, '7.jsonl')) && eventFrames(stand, 7).length > 0, 'the journal and a frame');
    stand.send({ type: 'job_cancel', jobId: 7, reason, message: 'job 7 went to attempt 2 on node b' });
    await waitFor(() => run.signal.aborted, 'the run to stop');
    await sendMarker(stand, executor, 8);
    expect(kinds(eventFrames(stand, 7))).not.toContainEqual(expect.stringMatching(/finished/));
    expect(existsSync(join(journalDir, '7.jsonl'))).toBe(false);
    expect(worker.runner?.held()).toEqual([8]);
    expect(lines.filter((l) => l.level === 40 && l.job === 7)).toMatchObject([{ msg: `job 7: ${reason}: job 7 went to attempt 2 on node b`, reason }]);
  });

  it.each([{ reason: 'cancel' as const }, {}])('job_cancel %o: the run ends as cancelled and is delivered', async (notice) => {
    const { stand, executor, journalDir } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(7, 1) });
    const run = await executor.waitForRun(7);
    stand.send({ type: 'job_cancel', jobId: 7, ...notice });
    await waitFor(() => eventFrames(stand, 7).some((f) => f.events.some((e) => e.event.kind === 'finished')), 'the final event');
    expect(run.signal.aborted).toBe(true);
    const finished = eventFrames(stand, 7).flatMap((f) => f.events).at(-1)?.event;
    expect(finished).toMatchObject({ kind: 'finished', result: { status: 'cancelled' } });
    expect(existsSync(join(journalDir, '7.jsonl'))).toBe(true);
    stand.send({ type: 'job_ack', jobId: 7, seq: 2 });
    await waitFor(() => !existsSync(join(journalDir, '7.jsonl')), 'the journal to go once acknowledged');
  });
});

describe('attempts with a real master', () => {
  let master: TestMaster;

  it('a node that comes back after its job was re-queued runs the new attempt instead of ignoring it', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 0.2, cancelWaitSec: 5, allowLocalRepos: false } });
    stops.push(() => master.close());
    const executor = new ControlledExecutor();
    const worker = startDeliveryNode(master.wsUrl, master.nodeToken.value, { executor, journalDir: tempDir() });
    stops.push(() => worker.agent.stop());
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'requeued' }) })).json()) as JobRecord;
    const job = async () => (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
    const first = await executor.waitForRun(created.id, 1);
    await waitFor(async () => (await job()).status === 'running', 'the job to run');

    await worker.agent.stop();
    await waitFor(async () => (await job()).status === 'queued', 're-queued after the grace');
    worker.agent.start();
    const second = await executor.waitForRun(created.id, 2);
    expect(first.signal.aborted).toBe(true);
    second.finish({ finalMessage: 'second attempt' });
    await waitFor(async () => (await job()).status === 'succeeded', 'the second attempt to finish');
    expect(await job()).toMatchObject({ attempt: 2, result: { finalMessage: 'second attempt' } });
    const stored = await storedEvents(master, created.id);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    // Nothing of the stopped first attempt after its start: its cancelled end was dropped.
    expect(stored.filter((e) => e.event.kind === 'finished')).toMatchObject([{ event: { result: { status: 'succeeded' } } }]);
  });
});
