import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../master/store/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { ControlledExecutor } from '../test-support/controlled-executor.js';
import { startDeliveryNode, storedEvents } from '../test-support/delivery-node.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import type { NodeWorker } from './worker.js';

let master: TestMaster;
const workers: NodeWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await master.close();
});
afterAll(removeTempDirs);

function startNode(executor: ControlledExecutor, journalDir?: string): { worker: NodeWorker; lines: LogLine[] } {
  const { log, lines } = captureLog('debug');
  const worker = startDeliveryNode(master.wsUrl, master.nodeToken.value, { executor, log, ...(journalDir === undefined ? {} : { journalDir }) });
  workers.push(worker);
  return { worker, lines };
}

async function submit(prompt: string): Promise<number> {
  return ((await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt }) })).json()) as JobRecord).id;
}

async function job(id: number): Promise<JobRecord> {
  return (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
}

/** Every event stored exactly once, in order, with no gap: seqs 1..n. */
function expectContiguous(events: SequencedJobEvent[], count: number): void {
  expect(events.length).toBe(count);
  const wrong = events.findIndex((event, i) => event.seq !== i + 1);
  expect(wrong).toBe(-1);
}

function texts(events: SequencedJobEvent[]): string[] {
  return events.flatMap((e) => (e.event.kind === 'agent_message' ? [e.event.text] : []));
}

/** `count` messages of about `bytes` each, numbered so that order and duplicates show. */
function messages(count: number, bytes: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `message ${from + i} `.padEnd(bytes, '.'));
}

describe('job events in frames the master takes', () => {
  it('sends a burst over both frame limits while connected, without being cut off', async () => {
    master = await startTestMaster({ maxPayloadBytes: 256 * 1024 });
    const executor = new ControlledExecutor();
    const { worker, lines } = startNode(executor);
    await waitFor(() => worker.agent.connected, 'the node to connect');
    const id = await submit('burst');
    const run = await executor.waitForRun(id);
    // 3 MB in one turn: 3 frames by count, but 12 or more by bytes at this master's 256 KiB.
    const burst = messages(3000, 1000);
    for (const text of burst) run.emit({ kind: 'agent_message', text });
    run.finish({ finalMessage: 'burst sent' });
    await waitFor(async () => (await job(id)).status === 'succeeded', 'the job to succeed', 15_000);
    const stored = await storedEvents(master, id);
    expectContiguous(stored, 3002);
    expect(texts(stored)).toEqual(burst);
    expect(lines.filter((l) => /lost the master/.test(l.msg))).toEqual([]);
  });

  it('drains a backlog of 30,000 events (over 3 MiB) held across a master restart: all stored once, in order', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const executor = new ControlledExecutor();
    const { worker, lines } = startNode(executor, tempDir());
    const id = await submit('backlog');
    const run = await executor.waitForRun(id);
    await waitFor(async () => (await job(id)).status === 'running', 'the job to run');
    await master.close();
    await waitFor(() => !worker.agent.connected, 'the node to notice');

    // Small events fill frames by count, larger ones by bytes (about 500 of them fit 1 MiB).
    const backlog = [...messages(27_000, 100), ...messages(3000, 2000, 27_000)];
    for (const text of backlog) run.emit({ kind: 'agent_message', text });
    run.finish({ finalMessage: 'backlog done' });
    await waitFor(() => worker.runner?.held().length === 1 && executor.runs.length === 1, 'the run to end');

    const restarted = Date.now();
    master = await startTestMaster({ dataDir, port });
    await waitFor(async () => (await job(id)).status === 'succeeded', 'the backlog to be stored', 60_000);
    const drainedMs = Date.now() - restarted;
    const stored = await storedEvents(master, id);
    expectContiguous(stored, backlog.length + 2);
    expect(texts(stored)).toEqual(backlog);
    expect((await job(id)).result?.finalMessage).toBe('backlog done');

    const resent = lines.filter((l) => l.msg === 'sent the unacknowledged events again');
    const figures = { events: sum(resent, 'events'), bytes: sum(resent, 'bytes'), frames: sum(resent, 'frames'), drainedMs };
    expect(figures.events).toBeGreaterThanOrEqual(30_000);
    expect(figures.bytes).toBeGreaterThan(3 * 1024 * 1024);
    expect(figures.frames).toBeGreaterThanOrEqual(27 + Math.ceil((3000 * 2000) / (1024 * 1024)));
    console.log(`backlog across a master restart: ${JSON.stringify(figures)}`);
  });

  it('stores an event larger than a frame cut down, with a note, and goes on', async () => {
    master = await startTestMaster();
    const executor = new ControlledExecutor();
    const { worker, lines } = startNode(executor);
    await waitFor(() => worker.agent.connected, 'the node to connect');
    const id = await submit('huge output');
    const run = await executor.waitForRun(id);
    run.emit({ kind: 'command_finished', command: 'cat build.log', exitCode: 0, output: 'log line\n'.repeat(400_000) });
    run.emit({ kind: 'agent_message', text: 'after the big one' });
    run.finish({ finalMessage: 'done' });
    await waitFor(async () => (await job(id)).status === 'succeeded', 'the job to succeed', 15_000);
    const stored = await storedEvents(master, id);
    expectContiguous(stored, 4);
    const big = stored[1]?.event;
    if (big?.kind !== 'command_finished') throw new Error(`unexpected event ${JSON.stringify(big).slice(0, 200)}`);
    expect(big.output?.length).toBeLessThan(1024 * 1024);
    expect(big.output?.startsWith('log line\nlog line\n')).toBe(true);
    expect(big.output).toMatch(/more characters left out by the node: the event was larger than the master's frame limit\]$/);
    expect(texts(stored)).toEqual(['after the big one']);
    expect(lines.find((l) => l.msg.startsWith('an event was larger than a frame may be'))).toMatchObject({ seq: 2, bytes: expect.any(Number) as unknown });
  });
});

function sum(lines: LogLine[], field: string): number {
  return lines.reduce((total, line) => total + Number(line[field]), 0);
}
