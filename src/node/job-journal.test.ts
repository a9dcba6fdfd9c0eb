import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../master/store/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { encodeEvent } from './event-frames.js';
import { EchoExecutor, type Executor } from './executor.js';
import { JobJournal } from './job-journal.js';
import type { NodeWorker } from './worker.js';
import { startTestNode } from '../test-support/test-node.js';

let master: TestMaster;
const workers: NodeWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await master.close();
});
afterAll(removeTempDirs);

function startNode(journalDir: string, executor: Executor): NodeWorker {
  const worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'journaled', executor, journalDir });
  workers.push(worker);
  return worker;
}

async function job(id: number): Promise<JobRecord> {
  return (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
}
async function events(id: number): Promise<SequencedJobEvent[]> {
  return ((await (await master.api(`/api/jobs/${id}/logs`)).json()) as { events: SequencedJobEvent[] }).events;
}

describe('the node job journal', () => {
  it('delivers a result that finished while the master was down, even after the node restarts', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const journalDir = tempDir();
    const first = startNode(journalDir, new EchoExecutor(400));
    await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'finish while nobody listens' }) });
    await waitFor(async () => (await job(1)).status === 'running', 'the job to run');
    await master.close();
    await waitFor(() => readdirSync(journalDir).length === 1 && !first.agent.connected, 'the journal');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await first.agent.stop();

    master = await startTestMaster({ dataDir, port });
    startNode(journalDir, new EchoExecutor());
    await waitFor(async () => (await job(1)).status === 'succeeded', 'the journaled result to arrive', 8000);
    expect((await job(1)).result?.finalMessage).toBe('finish while nobody listens');
    expect((await events(1)).map((e) => [e.seq, e.event.kind])).toEqual([[1, 'started'], [2, 'agent_message'], [3, 'finished']]);
    await waitFor(() => readdirSync(journalDir).length === 0, 'the journal to be cleared once acknowledged');
  });

  it('ends a job that a node crash cut short as failed, with the reason', async () => {
    master = await startTestMaster();
    const journalDir = tempDir();
    const stalled: Executor = { name: 'stalled', run: () => new Promise(() => undefined) };
    const crashed = startNode(journalDir, stalled);
    await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'cut short' }) });
    await waitFor(async () => (await job(1)).status === 'running', 'the job to run');
    await crashed.agent.stop();
    startNode(journalDir, new EchoExecutor());
    await waitFor(async () => (await job(1)).status === 'failed', 'the job to fail', 8000);
    expect((await job(1)).error).toBe('the node restarted while the job was running');
  });

  it('skips a torn last line instead of failing to start', () => {
    const dir = tempDir();
    const journal = new JobJournal(dir);
    journal.start({ id: 5, prompt: 'p', profile: {}, attempt: 1, nextSeq: 1 });
    journal.append(5, [encodeEvent({ seq: 1, at: '2026-11-22T00:00:00.000Z', event: { kind: 'started', executor: 'echo' } })]);
    appendFileSync(join(dir, '5.jsonl'), '{"event":{"seq":2,"at":"2026-11-');
    expect(journal.load()).toEqual([
      { spec: { id: 5, prompt: 'p', profile: {}, attempt: 1, nextSeq: 1 }, events: [{ seq: 1, at: '2026-11-22T00:00:00.000Z', event: { kind: 'started', executor: 'echo' } }] },
    ]);
  });
});
