import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../master/store/index.js';
import { ControlledExecutor, type ControlledRun } from '../test-support/controlled-executor.js';
import { startDeliveryNode, storedEvents } from '../test-support/delivery-node.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { fillDisk, mountSmallDisk } from '../test-support/tmpfs.js';
import { waitFor } from '../test-support/wait.js';
import type { NodeWorker } from './worker.js';

const disk = mountSmallDisk('256k');
let master: TestMaster;
const workers: NodeWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await master.close();
});
afterAll(() => {
  if ('unmount' in disk) disk.unmount();
  removeTempDirs();
});

async function startNode(journalDir: string): Promise<{ worker: NodeWorker; executor: ControlledExecutor; lines: LogLine[] }> {
  master = await startTestMaster();
  const executor = new ControlledExecutor();
  const { log, lines } = captureLog();
  const worker = startDeliveryNode(master.wsUrl, master.nodeToken.value, { executor, journalDir, log });
  workers.push(worker);
  await waitFor(() => worker.agent.connected, 'the node to connect');
  return { worker, executor, lines };
}

async function submit(prompt: string): Promise<number> {
  return ((await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt }) })).json()) as JobRecord).id;
}

async function status(id: number): Promise<string> {
  return ((await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord).status;
}

/** Emits one message and waits until the master has stored it, so the next one is another turn's write. */
async function emitStored(run: ControlledRun, text: string): Promise<void> {
  run.emit({ kind: 'agent_message', text });
  await waitFor(async () => (await storedEvents(master, run.spec.id)).some((e) => e.event.kind === 'agent_message' && e.event.text === text), `"${text.slice(0, 20)}" to be stored`);
}

function journalErrors(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.msg === 'could not write the job journal: the job goes on without it');
}

/** The job's log as kinds, with the text of messages and errors. */
async function summary(id: number): Promise<string[]> {
  return (await storedEvents(master, id)).map((e) => (e.event.kind === 'agent_message' ? e.event.text : e.event.kind === 'error' ? `error: ${e.event.message}` : e.event.kind));
}

const JOURNAL_ERROR = /^error: the node could not write its journal \((.+)\): this job's events are still sent and kept in memory until the master has stored them, but if the node restarts before then they are lost and the master re-queues the job$/;

describe('a journal that cannot be written', () => {
  it('a write failing mid-job (its file turned into a directory) puts an error on the job, once, and the node goes on', async () => {
    const journalDir = tempDir();
    const { worker, executor, lines } = await startNode(journalDir);
    const id = await submit('journal breaks');
    const run = await executor.waitForRun(id);
    await emitStored(run, 'before');
    const file = join(journalDir, `${id}.jsonl`);
    expect(readFileSync(file, 'utf8')).toContain('before');
    rmSync(file);
    mkdirSync(file);
    await emitStored(run, 'after 1');
    await emitStored(run, 'after 2');
    run.finish({ finalMessage: 'done anyway' });
    await waitFor(async () => (await status(id)) === 'succeeded', 'the job to succeed');
    const log = await summary(id);
    expect(log.filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(log.find((l) => l.startsWith('error:'))).toMatch(JOURNAL_ERROR);
    expect(log.filter((l) => !l.startsWith('error:'))).toEqual(['started', 'before', 'after 1', 'after 2', 'finished']);
    expect(journalErrors(lines)).toMatchObject([{ job: id, err: expect.stringMatching(/^EISDIR/) as unknown }]);
    expect(worker.agent.connected).toBe(true);

    // The next job has a journal again.
    const next = await submit('next');
    const nextRun = await executor.waitForRun(next);
    await emitStored(nextRun, 'journaled');
    expect(readFileSync(join(journalDir, `${next}.jsonl`), 'utf8')).toContain('journaled');
    nextRun.finish();
    await waitFor(async () => (await status(next)) === 'succeeded' && !existsSync(join(journalDir, `${next}.jsonl`)), 'the next job to end and its journal to go');
  });

  const fullDisk = 'a real full disk (a 256 KiB tmpfs): ENOSPC mid-job and at the start of a job';
  it.skipIf('unavailable' in disk)('unavailable' in disk ? `${fullDisk} (skipped: ${disk.unavailable})` : fullDisk, async () => {
    if (!('dir' in disk)) return;
    const journalDir = join(disk.dir, 'node-jobs');
    const { worker, executor, lines } = await startNode(journalDir);
    const id = await submit('fills the disk');
    const run = await executor.waitForRun(id);
    const chunk = (i: number) => `chunk ${i} `.padEnd(40 * 1024, '#');
    for (let i = 0; i < 10; i++) await emitStored(run, chunk(i));
    run.finish();
    await waitFor(async () => (await status(id)) === 'succeeded', 'the job to succeed');
    const log = await summary(id);
    expect(log.filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(JOURNAL_ERROR)]);
    expect(log.find((l) => l.startsWith('error:'))).toContain('ENOSPC');
    expect(log.filter((l) => !l.startsWith('error:'))).toEqual(['started', ...Array.from({ length: 10 }, (_, i) => chunk(i)), 'finished']);

    // Now the disk is full before a job starts: its very first write fails.
    fillDisk(disk.dir);
    const second = await submit('starts on a full disk');
    const secondRun = await executor.waitForRun(second);
    await emitStored(secondRun, 'still running');
    secondRun.finish();
    await waitFor(async () => (await status(second)) === 'succeeded', 'the second job to succeed');
    expect(await summary(second)).toEqual(['started', expect.stringMatching(JOURNAL_ERROR), 'still running', 'finished']);
    expect(journalErrors(lines).map((l) => [l.job, String(l.err).slice(0, 6)])).toEqual([[id, 'ENOSPC'], [second, 'ENOSPC']]);
    expect(worker.agent.connected).toBe(true);
  });
});
