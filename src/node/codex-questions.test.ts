import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { ASK_IDS, writeAskingAppServer, type Ask } from '../test-support/asking-app-server.js';
import { childEnvironment } from '../config/index.js';
import type { Answerer, Frame, JobEvent, JobQuestion, JobSpec, QuestionAnswer } from '../protocol/index.js';
import { startDeliveryNode } from '../test-support/delivery-node.js';
import { useDriverFixture } from '../test-support/driver-fixture.js';
import { applyPatchCall, assistantMessage, escalatedCommandCall } from '../test-support/responses-stand-in.js';
import { startScriptedMaster, type ScriptedMaster } from '../test-support/scripted-master.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { CodexExecutor } from './codex-executor.js';
import type { Executor } from './executor.js';
import { Workspaces } from './workspaces.js';

const fx = useDriverFixture((options) => new CodexDriver(options));
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

type EventsFrame = Extract<Frame, { type: 'job_events' }>;
const at = '2025-01-01T00:00:00.000Z';

/** A node running `executor`, on a stand-in master the test speaks for. */
async function scriptedNode(executor: Executor): Promise<ScriptedMaster> {
  const stand = await startScriptedMaster();
  const worker = startDeliveryNode(stand.url, 'token', { executor });
  stops.push(() => stand.close(), () => worker.agent.stop());
  await waitFor(() => worker.agent.connected, 'the node to be welcomed');
  return stand;
}

function eventsOf(stand: ScriptedMaster, jobId: number): JobEvent[] {
  return stand.received.filter((f): f is EventsFrame => f.type === 'job_events' && f.jobId === jobId).flatMap((f) => f.events.map((e) => e.event));
}

function questionsOf(stand: ScriptedMaster, jobId: number): JobQuestion[] {
  return eventsOf(stand, jobId).flatMap((e) => (e.kind === 'question' ? [e.question] : []));
}

function finishedOf(stand: ScriptedMaster, jobId: number): Extract<JobEvent, { kind: 'finished' }> | undefined {
  return eventsOf(stand, jobId).find((e): e is Extract<JobEvent, { kind: 'finished' }> => e.kind === 'finished');
}

function assign(stand: ScriptedMaster, id: number, prompt: string): void {
  const job: JobSpec = { id, prompt, profile: { sandbox: 'workspace-write', approvalPolicy: 'on-request' }, attempt: 1, nextSeq: 1 };
  stand.send({ type: 'job_assign', job });
}

function answer(stand: ScriptedMaster, jobId: number, questionId: string, reply: QuestionAnswer, by: Answerer): void {
  stand.send({ type: 'job_answer', jobId, questionId, answer: reply, by });
}

describe('Codex asks through the node (real codex binary, on-request, stand-in model)', () => {
  let stand: ScriptedMaster;
  let workdir: string;
  beforeAll(async () => {
    workdir = tempDir('csc-codex-questions-');
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, env: childEnvironment() });
    stand = await startScriptedMaster();
    const worker = startTestNode(stand.url, 'token', { name: 'codex-questions', executor: new CodexExecutor(fx.driver), workspaces });
    stops.push(() => stand.close(), () => worker.agent.stop());
    await waitFor(() => worker.agent.connected, 'the node to be welcomed');
  });

  it('a command approved by a job_answer runs, and its output is in the job log', async () => {
    fx.standIn.enqueue({ output: [escalatedCommandCall('echo approved-output > approved.txt; echo approved-output')] }, { output: [assistantMessage('finished')] });
    assign(stand, 1, 'write the marker');
    const [question] = await waitFor(() => (questionsOf(stand, 1).length > 0 ? questionsOf(stand, 1) : undefined), 'the question');
    expect(question).toMatchObject({ id: 'a1q1', kind: 'command', method: 'item/commandExecution/requestApproval', cwd: workdir, command: expect.stringContaining('echo approved-output') as string, reason: 'needs to write the marker' });
    expect(existsSync(join(workdir, 'approved.txt'))).toBe(false);
    const by: Answerer = { via: 'telegram', userId: '42', name: 'ann', at };
    answer(stand, 1, 'a1q1', { decision: 'accept' }, by);
    const finished = await waitFor(() => finishedOf(stand, 1), 'the job to end', 20_000);
    expect(finished.result).toMatchObject({ status: 'succeeded', finalMessage: 'finished' });
    expect(readFileSync(join(workdir, 'approved.txt'), 'utf8')).toBe('approved-output\n');
    const events = eventsOf(stand, 1);
    expect(events.find((e) => e.kind === 'answer')).toStrictEqual({ kind: 'answer', questionId: 'a1q1', answer: { decision: 'accept' }, by });
    const ran = events.find((e) => e.kind === 'command_finished');
    expect(ran).toMatchObject({ exitCode: 0, output: expect.stringContaining('approved-output') as string });
    expect(events.findIndex((e) => e.kind === 'answer')).toBeLessThan(events.findIndex((e) => e.kind === 'command_finished'));
    expect(stand.invalid).toEqual([]);
  });

  it('a command denied by a job_answer does not run, and Codex is told', async () => {
    fx.standIn.enqueue({ output: [escalatedCommandCall('echo denied-output > denied.txt')] }, { output: [assistantMessage('I was not allowed.')] });
    assign(stand, 2, 'write the other marker');
    await waitFor(() => questionsOf(stand, 2).length > 0, 'the question');
    answer(stand, 2, 'a1q1', { decision: 'decline', text: 'not on this machine' }, { via: 'slack', userId: 'U1', at });
    const finished = await waitFor(() => finishedOf(stand, 2), 'the job to end', 20_000);
    expect(finished.result).toMatchObject({ status: 'succeeded', finalMessage: 'I was not allowed.' });
    expect(existsSync(join(workdir, 'denied.txt'))).toBe(false);
    expect(eventsOf(stand, 2).filter((e) => e.kind === 'answer')).toMatchObject([{ questionId: 'a1q1', answer: { decision: 'decline' }, by: { via: 'slack' } }]);
    expect(JSON.stringify((fx.standIn.requests[1]?.body as { input?: unknown }).input)).toMatch(/reject|declin/i);
  });

  it('a patch outside the workspace is asked about with its diff, and applied when approved', async () => {
    // Outside every writable root of workspace-write (the workspace, /tmp): under the test's CODEX_HOME, removed with it.
    mkdirSync(join(fx.home.dir, 'outside'), { recursive: true });
    const target = join(fx.home.dir, 'outside', 'patched.txt');
    fx.standIn.enqueue({ output: [applyPatchCall(`*** Begin Patch\n*** Add File: ${target}\n+one\n+two\n*** End Patch\n`)] }, { output: [assistantMessage('patched')] });
    assign(stand, 4, 'patch outside');
    const [question] = await waitFor(() => (questionsOf(stand, 4).length > 0 ? questionsOf(stand, 4) : undefined), 'the question');
    expect(question).toMatchObject({ id: 'a1q1', kind: 'file_change', changes: [{ path: target, kind: 'add', added: 2, removed: 0, diff: expect.stringContaining('one') as string }] });
    answer(stand, 4, 'a1q1', { decision: 'acceptForSession' }, { via: 'cli', name: 'admin', at });
    await waitFor(() => finishedOf(stand, 4), 'the job to end', 20_000);
    expect(readFileSync(target, 'utf8')).toBe('one\ntwo\n');
  });
});

/** What the stand-in app-server asks in its turn. */
const ASKS: Ask[] = [
  ['mcpServer/elicitation/request', { ...ASK_IDS, serverName: 'github', mode: 'form', _meta: null, message: 'Which repo?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } } } }],
  ['mcpServer/elicitation/request', { ...ASK_IDS, serverName: 'github', mode: 'form', _meta: null, message: 'Really?', requestedSchema: { type: 'object', properties: {} } }],
  ['item/tool/requestUserInput', { ...ASK_IDS, itemId: 'i2', isBlocking: true, autoResolutionMs: null, questions: [
    { id: 'q1', header: 'DB', question: 'Which database?', isOther: false, isSecret: false, options: [{ label: 'sqlite', description: 'a file' }, { label: 'postgres', description: 'a server' }] },
    { id: 'q2', header: 'Name', question: 'Its name?', isOther: false, isSecret: false, options: null },
  ] }],
  ['item/tool/call', { ...ASK_IDS, callId: 'c1', namespace: null, tool: 'lookup', arguments: { key: 'k' } }],
  ['item/future/askSomething', { ...ASK_IDS, itemId: 'i4', wants: 'a new thing' }],
];;

describe('every kind of question answered through the node, in the shape its method takes', () => {
  it('Codex receives exactly the replies for the answers the master sent', async () => {
    const script = writeAskingAppServer(ASKS);
    const driver = new CodexDriver({ baseEnv: childEnvironment(), command: process.execPath, args: [script] });
    stops.push(() => driver.close());
    const stand = await scriptedNode(new CodexExecutor(driver));
    assign(stand, 3, 'ask me everything');
    const questions = await waitFor(() => (questionsOf(stand, 3).length === 5 ? questionsOf(stand, 3) : undefined), 'five questions');
    expect(questions.map((q) => `${q.id} ${q.kind}`)).toEqual(['a1q1 elicitation', 'a1q2 elicitation', 'a1q3 user_input', 'a1q4 tool_call', 'a1q5 unknown']);
    expect(questions[2]).toMatchObject({ questions: [{ id: 'q1', options: [{ label: 'sqlite' }, { label: 'postgres' }] }, { id: 'q2', options: [] }], decisions: ['accept', 'decline'] });
    const replies: QuestionAnswer[] = [
      { decision: 'accept', content: { repo: 'a/b' } },
      { decision: 'cancel' },
      { decision: 'accept', answers: { q1: ['sqlite'] }, text: 'app' },
      { decision: 'accept', text: 'the value of k' },
      { decision: 'decline' },
    ];
    replies.forEach((reply, i) => answer(stand, 3, `a1q${i + 1}`, reply, { via: 'dashboard', name: 'admin', at }));
    const finished = await waitFor(() => finishedOf(stand, 3), 'the job to end');
    expect(JSON.parse(finished.result.finalMessage ?? 'null')).toStrictEqual({
      ask0: { result: { action: 'accept', content: { repo: 'a/b' }, _meta: null } },
      ask1: { result: { action: 'cancel', content: null, _meta: null } },
      ask2: { result: { answers: { q1: { answers: ['sqlite'] }, q2: { answers: ['app'] } } } },
      ask3: { result: { contentItems: [{ type: 'inputText', text: 'the value of k' }], success: true } },
      ask4: { error: { code: -32601 } },
    });
    expect(eventsOf(stand, 3).filter((e) => e.kind === 'answer').map((e) => e.kind === 'answer' && [e.questionId, e.answer])).toEqual(replies.map((reply, i) => [`a1q${i + 1}`, reply]));
    expect(stand.invalid).toEqual([]);
  });
});
