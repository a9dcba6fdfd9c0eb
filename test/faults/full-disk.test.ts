import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SequencedJobEvent } from '../../src/protocol/index.js';
import { apiOf, fetchJob, fetchLog } from '../../src/test-support/delivery-audit.js';
import { stopFaultParts } from '../../src/test-support/fault-teardown.js';
import { removeTempDirs, tempDir } from '../../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../src/test-support/test-master.js';
import { fillDisk, mountSmallDisk } from '../../src/test-support/tmpfs.js';
import { waitFor } from '../../src/test-support/wait.js';
import { runCsc, type CscProcess } from '../cli-process.js';

const JOB_TIMEOUT_MS = 10_000;
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'lost']);
let master: TestMaster | undefined;
let node: CscProcess | undefined;
const unmounts: Array<() => void> = [];

afterEach(async () => {
  node?.child.kill('SIGKILL');
  await node?.exited;
  for (const unmount of unmounts.splice(0)) unmount();
  await stopFaultParts({ master });
});
afterAll(removeTempDirs);

/** A master, and `csc node` (echo executor) whose data dir, and so its job journal, is a 256 KiB tmpfs. */
async function nodeOnSmallDisk(): Promise<{ m: TestMaster; disk: string } | { unavailable: string }> {
  const disk = mountSmallDisk('256k');
  if ('unavailable' in disk) return disk;
  unmounts.push(disk.unmount);
  const m = await startTestMaster();
  master = m;
  const args = ['node', '--master', m.wsUrl, '--token', m.nodeToken.value, '--name', 'full-disk', '--data-dir', disk.dir, '--workdir', tempDir()];
  node = runCsc([...args, '--allow-echo-executor', '--log-level', 'warn', '--log-format', 'json']);
  await waitFor(async () => ((await (await m.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 1, 'the node to connect', 15_000);
  return { m, disk: disk.dir };
}

/** Creates a job and waits for it to end, failing at once, with the node's output, if the node process dies. */
async function runJob(m: TestMaster, prompt: string): Promise<number> {
  const response = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt }) });
  const id = ((await response.json()) as { id: number }).id;
  await waitFor(
    async () => {
      if (node && node.child.exitCode !== null) {
        throw new Error(`job ${id}: the node process exited (code ${node.child.exitCode}) on a full disk:\n${node.stderr().slice(-3000)}`);
      }
      return FINAL.has((await fetchJob(apiOf(m), id)).status);
    },
    `job ${id} to end`,
    JOB_TIMEOUT_MS,
  );
  return id;
}

/** The job's events that speak of the failed write. */
function diskErrors(log: readonly SequencedJobEvent[]): SequencedJobEvent[] {
  const mentions = (text: string | undefined): boolean => text !== undefined && /ENOSPC|no space|disk|journal/i.test(text);
  return log.filter(({ event }) => {
    if (event.kind === 'error') return mentions(event.message);
    if (event.kind === 'log') return event.level !== 'info' && mentions(event.message);
    return event.kind === 'finished' && mentions(event.result.error);
  });
}

/** Fills the disk (leaving `leaveBytes`), runs a job there, and checks that the node reported it and lives on. */
async function expectReportedAndAlive(skip: (note: string) => never, leaveBytes: number, prompt: string, what: string): Promise<void> {
  const setup = await nodeOnSmallDisk();
  if ('unavailable' in setup) {
    console.warn(`full-disk test skipped: ${setup.unavailable}`);
    skip(`no small disk: ${setup.unavailable}`);
  }
  const free = fillDisk(setup.disk, leaveBytes);
  const id = await runJob(setup.m, prompt);
  const log = await fetchLog(apiOf(setup.m), id);
  expect(diskErrors(log), `job ${id} (${what}): no event of its log reports the full disk; its events: ${log.map((e) => e.event.kind).join(', ')}`).not.toEqual([]);
  free();
  const next = await runJob(setup.m, 'the disk has room again');
  expect(await fetchJob(apiOf(setup.m), next), `job ${next}, after the disk was freed, on the same node process`).toMatchObject({ status: 'succeeded', node: 'full-disk' });
}

describe('a node whose journal disk is full (a 256 KiB tmpfs)', () => {
  it('keeps running when the journal cannot even start a job, and the job reports the error', { timeout: 40_000 }, async ({ skip }) => {
    await expectReportedAndAlive(skip, 0, 'a job on a full disk', 'journal start failed');
  });

  it('keeps running when the disk fills up mid-job, and the job reports the error', { timeout: 40_000 }, async ({ skip }) => {
    // Room for the job's first journal line (its spec, with the prompt) but not for its events.
    await expectReportedAndAlive(skip, 48 * 1024, `fills the disk ${'x'.repeat(40 * 1024)}`, 'journal append failed');
  });
});
