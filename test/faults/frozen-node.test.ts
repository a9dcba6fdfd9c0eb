import { readdirSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../../src/node/index.js';
import type { SequencedJobEvent } from '../../src/protocol/index.js';
import { apiOf, describeProblems, fetchJob, fetchLog } from '../../src/test-support/delivery-audit.js';
import { spawnFaultNode, startFaultNode, type FaultNodeProcess } from '../../src/test-support/fault-node.js';
import { stopFaultParts } from '../../src/test-support/fault-teardown.js';
import { StreamExecutor, parseStreamMessage, streamPrompt } from '../../src/test-support/stream-executor.js';
import { removeTempDirs, tempDir } from '../../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../src/test-support/test-master.js';
import { waitFor } from '../../src/test-support/wait.js';

/** 150 events, 15 ms apart: a run lasts over 2 s, so an old copy that is not stopped visibly runs on. */
const JOB = { events: 150, batch: 1, everyMs: 15 };
let master: TestMaster | undefined;
let frozen: FaultNodeProcess | undefined;
let rescuer: NodeWorker | undefined;

afterEach(async () => {
  frozen?.child.kill('SIGKILL');
  await stopFaultParts({ nodes: [rescuer], master });
  rescuer = undefined;
});
afterAll(removeTempDirs);

/** A master that drops a silent node within a second and re-queues its jobs half a second later, and job 1 streaming on a node process that is then SIGSTOPped. */
async function freezeMidJob(): Promise<{ m: TestMaster; node: FaultNodeProcess; journalDir: string; id: number }> {
  const m = await startTestMaster({ pingIntervalSec: 0.2, jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 0.5, cancelWaitSec: 5, allowLocalRepos: false } });
  master = m;
  const journalDir = tempDir('csc-frozen-journal-');
  const node = spawnFaultNode(m.wsUrl, m.nodeToken.value, { name: 'frozen', journalDir });
  frozen = node;
  await waitFor(async () => ((await (await m.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 1, 'the node process to connect', 15_000);
  const response = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: streamPrompt(JOB) }) });
  const id = ((await response.json()) as { id: number }).id;
  await node.waitForRun(id, 1, (run) => run.emitted >= 20, 'attempt 1 to stream', 10_000);
  await waitFor(async () => (await fetchJob(apiOf(m), id)).lastSeq >= 10, 'some of attempt 1 to be stored');
  node.child.kill('SIGSTOP');
  return { m, node, journalDir, id };
}

/** What is wrong with a job's log after a re-queue: events of an old attempt after it, and anything but one `finished`, from `attempt`. */
function staleAttemptProblems(log: readonly SequencedJobEvent[], id: number, attempt: number): string[] {
  const problems: string[] = [];
  const requeued = log.findIndex((e) => e.event.kind === 'log' && e.event.level === 'warn' && /re-queued/.test(e.event.message));
  if (requeued < 0) problems.push(`job ${id}: no re-queue in its log`);
  const after = log.slice(requeued + 1).map((e) => (e.event.kind === 'log' ? parseStreamMessage(e.event.message) : undefined));
  const stale = after.filter((p) => p !== undefined && p.attempt < attempt).length;
  if (stale > 0) problems.push(`job ${id}: ${stale} events of an old attempt stored after it was re-queued`);
  const current = new Set(after.filter((p) => p?.attempt === attempt).map((p) => p?.index));
  if (current.size !== JOB.events) problems.push(`job ${id}: ${current.size} of ${JOB.events} events of attempt ${attempt} stored`);
  const finished = log.flatMap((e) => (e.event.kind === 'finished' ? [e.event.result.finalMessage ?? e.event.result.status] : []));
  if (finished.length !== 1 || finished[0] !== `j${id} a${attempt} done`) problems.push(`job ${id}: finished events [${finished.join(', ')}], want exactly one, from attempt ${attempt}`);
  return problems;
}

/** Waits until the old copy has ended; a problem if it ran to its end: nobody stopped it. */
async function oldCopyProblems(node: FaultNodeProcess, id: number, what: string): Promise<string[]> {
  const run = await node.waitForRun(id, 1, (r) => r.outcome !== 'running', `the old copy of job ${id} to end`, 10_000);
  if (run.outcome === 'aborted') return [];
  const logged = node.stderr().trim().split('\n').slice(-3).join(' | ');
  return [`job ${id}: the frozen node's old copy (attempt 1) ran on to its end (${run.emitted} of ${JOB.events} events) after SIGCONT, ${what}: nobody stopped it (its last log lines: ${logged || 'none'})`];
}

describe('a node SIGSTOPped past the re-queue grace, then SIGCONTed', () => {
  it('while another node finished the job: its old copy is stopped and nothing of it is stored', { timeout: 40_000 }, async () => {
    const { m, node, journalDir, id } = await freezeMidJob();
    rescuer = startFaultNode(m.wsUrl, m.nodeToken.value, { name: 'rescuer', executor: new StreamExecutor() });
    await waitFor(async () => (await fetchJob(apiOf(m), id)).status === 'succeeded', `job ${id} to succeed on the rescuer`, 15_000);
    expect((await fetchJob(apiOf(m), id)).node).toBe('rescuer');

    node.child.kill('SIGCONT');
    const problems = await oldCopyProblems(node, id, 'though another node had finished the job');
    const forgotten = await waitFor(() => readdirSync(journalDir).length === 0, 'the journal to empty', 5000).catch(() => false);
    if (!forgotten) problems.push(`job ${id}: the frozen node still journals it (${readdirSync(journalDir).join(', ')}) 5 s after its old copy ended`);
    problems.push(...staleAttemptProblems(await fetchLog(apiOf(m), id), id, 2));
    expect(problems, describeProblems(problems)).toEqual([]);
  });

  it('and handed attempt 2 of the same job itself: the old copy is replaced, not resumed', { timeout: 40_000 }, async () => {
    const { m, node, id } = await freezeMidJob();
    await waitFor(async () => (await fetchJob(apiOf(m), id)).status === 'queued', `job ${id} to be re-queued`, 10_000);

    node.child.kill('SIGCONT');
    await waitFor(async () => (await fetchJob(apiOf(m), id)).status === 'succeeded', `job ${id} to succeed`, 15_000);
    const problems = await oldCopyProblems(node, id, 'though attempt 2 was given to the same node');
    problems.push(...staleAttemptProblems(await fetchLog(apiOf(m), id), id, 2));
    expect(problems, describeProblems(problems)).toEqual([]);
  });
});
