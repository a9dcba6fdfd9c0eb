import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { applyPatchCall, assistantMessage, execCommandCall, rateLimitHeaders, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { CodexExecutor } from './codex-executor.js';
import { Workspaces } from './workspaces.js';
import type { NodeWorker } from './worker.js';

let standIn: ResponsesStandIn;
let home: CodexHome;
let driver: CodexDriver;
let master: TestMaster;
let worker: NodeWorker;
let workdir: string;

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env });
  await driver.start();
  master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false } });
  workdir = tempDir('csc-codex-job-');
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, env: childEnvironment() });
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
  await waitFor(() => master.hub.listNodes().length === 1, 'the node');
});
afterEach(() => standIn.reset());
afterAll(async () => {
  await worker.agent.stop();
  await master.close();
  await driver.close();
  await standIn.close();
  home.remove();
  removeTempDirs();
});

async function run(body: Record<string, unknown>, until = ['succeeded', 'failed', 'cancelled']): Promise<{ job: JobRecord; events: SequencedJobEvent[] }> {
  const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ profile: { sandbox: 'workspace-write', approvalPolicy: 'never' }, ...body }) })).json()) as JobRecord;
  const get = async () => (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
  await waitFor(async () => until.includes((await get()).status), `job ${created.id} to end`, 20_000);
  const { events } = (await (await master.api(`/api/jobs/${created.id}/logs`)).json()) as { events: SequencedJobEvent[] };
  return { job: await get(), events };
}

describe('Codex jobs end to end (real codex binary, stand-in model)', () => {
  it('says on the job when Codex is rate limited, and when it no longer is', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 900;
    standIn.enqueue(
      { output: [execCommandCall('true')], headers: rateLimitHeaders(100, 300, resetsAt) },
      { output: [assistantMessage('Done.')], headers: rateLimitHeaders(20) },
    );
    const { job, events } = await run({ prompt: 'run true' });
    expect(job.status).toBe('succeeded');
    const logs = events.flatMap((e) => (e.event.kind === 'log' ? [`${e.event.level}: ${e.event.message}`] : []));
    const reset = new Date(resetsAt * 1000).toISOString().slice(11, 16);
    expect(logs).toEqual([`warn: Codex is rate limited: 100% of the 300-minute window used, resets ${reset} UTC; the job waits for Codex, it is not stuck.`, 'info: Codex is no longer rate limited']);
  });

  it('runs a command that writes a file, with the command and its exit code in the log and result', async () => {
    standIn.enqueue({ output: [execCommandCall('echo hi > out.txt')] }, { output: [assistantMessage('Wrote out.txt.', ['Wrote ', 'out.txt.'])], usage: { inputTokens: 20, outputTokens: 5 } });
    const { job, events } = await run({ prompt: 'write hi to out.txt' });
    expect(job.status).toBe('succeeded');
    expect(readFileSync(join(workdir, 'out.txt'), 'utf8')).toBe('hi\n');
    const finished = events.find((e) => e.event.kind === 'command_finished')?.event;
    expect(finished).toMatchObject({ kind: 'command_finished', exitCode: 0 });
    expect(finished?.kind === 'command_finished' && finished.command).toContain('echo hi > out.txt');
    expect(job.result).toMatchObject({ status: 'succeeded', finalMessage: 'Wrote out.txt.', summary: 'Wrote out.txt.', commands: [{ exitCode: 0 }], threadId: expect.any(String) as string });
    expect(job.result?.tokens?.total).toBeGreaterThan(0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('lists files a patch changed with their diff stat', async () => {
    const patch = '*** Begin Patch\n*** Add File: notes.md\n+one\n+two\n*** End Patch';
    standIn.enqueue({ output: [applyPatchCall(patch)] }, { output: [assistantMessage('Added notes.')] });
    const { job, events } = await run({ prompt: 'add notes' });
    expect(job.status).toBe('succeeded');
    expect(existsSync(join(workdir, 'notes.md'))).toBe(true);
    expect(job.result?.filesChanged).toEqual([{ path: join(workdir, 'notes.md'), kind: 'add', added: 2, removed: 0 }]);
    expect(events.some((e) => e.event.kind === 'file_change')).toBe(true);
  });

  it('continues the Codex conversation of an earlier job on the same node', async () => {
    standIn.enqueue({ output: [assistantMessage('The secret word is PLUM.')] }, { output: [assistantMessage('You asked about PLUM.')] });
    const first = await run({ prompt: 'remember the word plum' });
    const second = await run({ prompt: 'what did I ask?', continueFrom: first.job.id });
    expect(second.job).toMatchObject({ status: 'succeeded', node: 'codex-node', result: { threadId: first.job.result?.threadId } });
    expect(JSON.stringify((standIn.requests[1]?.body as { input?: unknown }).input)).toContain('The secret word is PLUM.');
  });

  it('cancels a job during a slow model turn within the cancel timeout', async () => {
    standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'slow' }) })).json()) as JobRecord;
    await waitFor(() => standIn.requests.length === 1, 'the model request');
    const started = Date.now();
    await master.api(`/api/jobs/${created.id}/cancel`, { method: 'POST', body: '{}' });
    await waitFor(async () => ((await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord).status === 'cancelled', 'the cancel', 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    const job = (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
    expect(job.result?.status).toBe('cancelled');
  });

  it('asks the master what Codex wants approved, and the job log shows the question, the answer and what Codex was told', async () => {
    standIn.enqueue({ output: [execCommandCall('echo hi > asked.txt')] }, { output: [assistantMessage('Not allowed.')] });
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'write asked.txt', profile: { sandbox: 'workspace-write', approvalPolicy: 'untrusted' } }) })).json()) as JobRecord;
    const logs = async () => ((await (await master.api(`/api/jobs/${created.id}/logs`)).json()) as { events: SequencedJobEvent[] }).events.map((e) => e.event);
    await waitFor(async () => (await logs()).some((e) => e.kind === 'question'), 'the question');
    const answered = await master.api(`/api/jobs/${created.id}/questions/a1q1`, { method: 'POST', body: JSON.stringify({ decision: 'decline' }) });
    expect(answered.status).toBe(200);
    await waitFor(async () => ((await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord).status === 'succeeded', 'the job to end', 20_000);
    const events = await logs();
    expect(events.find((e) => e.kind === 'question')).toMatchObject({ question: { id: 'a1q1', kind: 'command', command: expect.stringContaining('echo hi > asked.txt') as string } });
    expect(events.find((e) => e.kind === 'answer')).toMatchObject({ questionId: 'a1q1', answer: { decision: 'decline' }, by: { via: 'api', name: 'admin' } });
    const asked = events.filter((e) => e.kind === 'approval_request');
    expect(asked).toMatchObject([{ kind: 'approval_request', action: 'command', decision: 'decline' }]);
    expect(asked[0]?.kind === 'approval_request' && asked[0].command).toContain('echo hi > asked.txt');
    expect(existsSync(join(workdir, 'asked.txt'))).toBe(false);
  });

  it("fails a job with Codex's own message when the model endpoint errors", async () => {
    standIn.enqueue({ status: 400, body: { error: { message: 'model gpt-5.5 is not available for this key', type: 'invalid_request_error' } } });
    const { job } = await run({ prompt: 'anything' });
    expect(job.status).toBe('failed');
    expect(job.error).toContain('model gpt-5.5 is not available for this key');
    expect(job.result?.error).not.toMatch(/empty output/i);
  });
});
