import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { CodexQuestion } from '../codex/index.js';
import { silentLogger } from '../log/index.js';
import type { Answerer, Frame, JobEvent, JobResult, JobSpec, QuestionAnswer } from '../protocol/index.js';
import { startDeliveryNode } from '../test-support/delivery-node.js';
import { FaultProxy } from '../test-support/fault-proxy.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { startScriptedMaster, type ScriptedMaster } from '../test-support/scripted-master.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import type { Executor, RunContext } from './executor.js';
import { JobQuestions } from './job-questions.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(removeTempDirs);

type EventsFrame = Extract<Frame, { type: 'job_events' }>;

/** A run the test drives: it asks what the test says and ends when told to (or when stopped). */
interface AskingRun {
  readonly spec: JobSpec;
  ask(question: CodexQuestion, signal?: AbortSignal): Promise<QuestionAnswer>;
  finish(): void;
}

/** An executor whose runs wait for the test, for asking questions through their context. */
class AskingExecutor implements Executor {
  readonly name = 'asking';
  readonly runs: AskingRun[] = [];

  run(spec: JobSpec, context: RunContext): Promise<JobResult> {
    return new Promise((resolve) => {
      const finish = () => resolve({ status: context.signal.aborted ? 'cancelled' : 'succeeded', filesChanged: [], commands: [], durationMs: 0 });
      context.signal.addEventListener('abort', finish, { once: true });
      const ask = (question: CodexQuestion, signal = new AbortController().signal) => {
        if (!context.ask) throw new Error('the runner gave the executor no ask');
        return context.ask(question, signal);
      };
      this.runs.push({ spec, ask, finish });
    });
  }

  waitForRun(jobId: number, attempt = 1): Promise<AskingRun> {
    return waitFor(() => this.runs.find((run) => run.spec.id === jobId && run.spec.attempt === attempt), `job ${jobId} attempt ${attempt} to start`);
  }
}

const command: CodexQuestion = { kind: 'command', method: 'item/commandExecution/requestApproval', threadId: 't1', turnId: 'u1', itemId: 'i1', command: 'make deploy', cwd: '/w', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] };
const ann: Answerer = { via: 'telegram', userId: '42', name: 'ann', at: '2025-01-01T00:00:00.000Z' };

function spec(id: number, attempt = 1, nextSeq = 1): JobSpec {
  return { id, prompt: `job ${id}`, profile: { approvalPolicy: 'on-request' }, attempt, nextSeq };
}

async function scriptedNode(maxPayloadBytes?: number): Promise<{ stand: ScriptedMaster; executor: AskingExecutor; lines: LogLine[] }> {
  const stand = await startScriptedMaster(maxPayloadBytes);
  const executor = new AskingExecutor();
  const { log, lines } = captureLog('debug');
  const worker = startDeliveryNode(stand.url, 'token', { executor, log });
  stops.push(() => stand.close(), () => worker.agent.stop());
  await waitFor(() => worker.agent.connected, 'the node to be welcomed');
  return { stand, executor, lines };
}

function eventsOf(stand: ScriptedMaster, jobId: number): JobEvent[] {
  return stand.received.filter((f): f is EventsFrame => f.type === 'job_events' && f.jobId === jobId).flatMap((f) => f.events.map((e) => e.event));
}

function answerFrame(jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer = ann): Frame {
  return { type: 'job_answer', jobId, questionId, answer, by };
}

/** The master's frames are handled in order: once job `marker` has started, every frame sent before its assignment has been handled. */
async function handled(stand: ScriptedMaster, executor: AskingExecutor, marker: number): Promise<void> {
  stand.send({ type: 'job_assign', job: spec(marker) });
  await executor.waitForRun(marker);
}

describe('a node asks the master Codex’s questions', () => {
  it('sends each question as an event with its own id, and hands the job_answer to Codex, recording it first', async () => {
    const { stand, executor } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(5) });
    const run = await executor.waitForRun(5);
    const first = run.ask(command);
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question'), 'the question');
    expect(eventsOf(stand, 5).find((e) => e.kind === 'question')).toStrictEqual({ kind: 'question', question: { ...command, id: 'a1q1' } });
    stand.send(answerFrame(5, 'a1q1', { decision: 'acceptForSession' }));
    await expect(first).resolves.toStrictEqual({ decision: 'acceptForSession' });
    const second = run.ask({ ...command, itemId: 'i2' });
    await waitFor(() => eventsOf(stand, 5).filter((e) => e.kind === 'question').length === 2, 'the second question');
    stand.send(answerFrame(5, 'a1q2', { decision: 'decline', text: 'not today' }, { via: 'dashboard', name: 'admin', at: ann.at }));
    await expect(second).resolves.toStrictEqual({ decision: 'decline', text: 'not today' });
    run.finish();
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'finished'), 'the end');
    expect(eventsOf(stand, 5).map((e) => (e.kind === 'question' ? `question ${e.question.id}` : e.kind === 'answer' ? `answer ${e.questionId} ${e.answer.decision} by ${e.by.via}` : e.kind))).toEqual([
      'started',
      'question a1q1',
      'answer a1q1 acceptForSession by telegram',
      'question a1q2',
      'answer a1q2 decline by dashboard',
      'finished',
    ]);
    expect(eventsOf(stand, 5).find((e) => e.kind === 'answer')).toStrictEqual({ kind: 'answer', questionId: 'a1q1', answer: { decision: 'acceptForSession' }, by: ann });
    expect(stand.invalid).toEqual([]);
  });

  it('ignores an answer to a question it does not wait on: answered already, unknown, or of a job it does not hold', async () => {
    const { stand, executor, lines } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(5) });
    const run = await executor.waitForRun(5);
    const asked = run.ask(command);
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question'), 'the question');
    stand.send(answerFrame(5, 'a1q1', { decision: 'accept' }));
    await expect(asked).resolves.toStrictEqual({ decision: 'accept' });
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'answer'), 'the answer event');
    stand.send(answerFrame(5, 'a1q1', { decision: 'decline' }, { via: 'slack', userId: 'U1', at: ann.at }));
    stand.send(answerFrame(5, 'a1q7', { decision: 'accept' }));
    stand.send(answerFrame(99, 'a1q1', { decision: 'accept' }));
    await handled(stand, executor, 6);
    expect(eventsOf(stand, 5).filter((e) => e.kind === 'answer')).toHaveLength(1);
    const ignored = lines.filter((l) => l.msg === 'ignored an answer to a question this node does not wait on');
    expect(ignored.map((l) => [l.job, l.question])).toEqual([
      [5, 'a1q1'],
      [5, 'a1q7'],
      [99, 'a1q1'],
    ]);
  });

  it('declines, as the node, a question whose turn is over', async () => {
    const { stand, executor } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(5) });
    const run = await executor.waitForRun(5);
    const turn = new AbortController();
    const asked = run.ask(command, turn.signal);
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question'), 'the question');
    turn.abort();
    await expect(asked).resolves.toStrictEqual({ decision: 'decline' });
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'answer'), 'the answer event');
    expect(eventsOf(stand, 5).find((e) => e.kind === 'answer')).toMatchObject({ questionId: 'a1q1', answer: { decision: 'decline' }, by: { via: 'node' } });
  });

  it('declines what a cancelled job still asks, before its finished event, and what a run left unanswered when it ended', async () => {
    const { stand, executor } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(5) });
    stand.send({ type: 'job_assign', job: spec(6) });
    const [cancelled, ended] = [await executor.waitForRun(5), await executor.waitForRun(6)];
    const asked = [cancelled.ask(command), ended.ask(command)];
    await waitFor(() => [5, 6].every((id) => eventsOf(stand, id).some((e) => e.kind === 'question')), 'both questions');
    stand.send({ type: 'job_cancel', jobId: 5 });
    ended.finish();
    await expect(Promise.all(asked)).resolves.toStrictEqual([{ decision: 'decline' }, { decision: 'decline' }]);
    await waitFor(() => [5, 6].every((id) => eventsOf(stand, id).some((e) => e.kind === 'finished')), 'both ends');
    for (const id of [5, 6]) expect(eventsOf(stand, id).map((e) => (e.kind === 'answer' ? `answer by ${e.by.via}` : e.kind))).toEqual(['started', 'question', 'answer by node', 'finished']);
  });

  it("a newer attempt asks with its own ids, and an answer to the replaced attempt's question is ignored", async () => {
    const { stand, executor } = await scriptedNode();
    stand.send({ type: 'job_assign', job: spec(5, 1) });
    const old = await executor.waitForRun(5, 1);
    const oldAsked = old.ask(command);
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question'), 'the first attempt’s question');
    stand.send({ type: 'job_assign', job: spec(5, 2, 3) });
    await expect(oldAsked).resolves.toStrictEqual({ decision: 'decline' });
    const run = await executor.waitForRun(5, 2);
    const asked = run.ask(command);
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question' && e.question.id === 'a2q1'), 'the second attempt’s question');
    stand.send(answerFrame(5, 'a1q1', { decision: 'accept' }));
    stand.send(answerFrame(5, 'a2q1', { decision: 'cancel' }));
    await expect(asked).resolves.toStrictEqual({ decision: 'cancel' });
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'answer'), 'the answer event');
    expect(eventsOf(stand, 5).filter((e) => e.kind === 'answer')).toMatchObject([{ questionId: 'a2q1', answer: { decision: 'cancel' } }]);
  });

  it('keeps Codex waiting across a reconnect: the question goes again, and the answer on the new connection reaches it', async () => {
    const stand = await startScriptedMaster();
    const proxy = await FaultProxy.start(Number(new URL(stand.url).port));
    const executor = new AskingExecutor();
    const worker = startDeliveryNode(`ws://127.0.0.1:${proxy.port}`, 'token', { executor });
    stops.push(() => stand.close(), () => proxy.close(), () => worker.agent.stop());
    await waitFor(() => worker.agent.connected, 'the node to be welcomed');
    stand.send({ type: 'job_assign', job: spec(5) });
    const run = await executor.waitForRun(5);
    let answer: QuestionAnswer | undefined;
    void run.ask(command).then((a) => (answer = a));
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'question'), 'the question');
    proxy.cut();
    await waitFor(() => proxy.accepted === 2 && eventsOf(stand, 5).filter((e) => e.kind === 'question').length === 2, 'the question again after the reconnect');
    expect(answer).toBeUndefined();
    stand.send(answerFrame(5, 'a1q1', { decision: 'accept' }));
    await waitFor(() => answer, 'the answer');
    expect(answer).toStrictEqual({ decision: 'accept' });
  });

  it("fits a question with large diffs into the master's frame limit: it arrives as a question, cut", async () => {
    const { stand, executor } = await scriptedNode(64 * 1024);
    stand.send({ type: 'job_assign', job: spec(5) });
    const run = await executor.waitForRun(5);
    const changes = Array.from({ length: 10 }, (_, i) => ({ path: `/w/f${i}`, kind: 'update' as const, diff: `@@\n${'+x\n'.repeat(20_000)}`, added: 20_000, removed: 0 }));
    void run.ask({ kind: 'file_change', method: 'item/fileChange/requestApproval', threadId: 't1', changes, decisions: ['accept', 'decline'] });
    const question = await waitFor(() => eventsOf(stand, 5).find((e) => e.kind === 'question'), 'the question');
    expect(stand.invalid).toEqual([]);
    expect(question.kind === 'question' && question.question).toMatchObject({ id: 'a1q1', kind: 'file_change', changes: changes.map(({ path, added }) => ({ path, added })) });
    expect(JSON.stringify(question)).toContain('more characters left out by the node');
  });
});

describe('JobQuestions on its own', () => {
  it('declines, as the node, a question nobody answered within the approval timeout and its grace', async () => {
    vi.useFakeTimers();
    const events: JobEvent[] = [];
    const questions = new JobQuestions({ spec: { ...spec(5), profile: { approvalTimeoutSec: 60 } }, emit: (e) => events.push(e), stopped: new AbortController().signal, frameBytes: () => 1024 * 1024, log: silentLogger() });
    let answer: QuestionAnswer | undefined;
    void questions.ask(command, new AbortController().signal).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(359_999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toStrictEqual({ decision: 'decline' });
    expect(events).toMatchObject([{ kind: 'question' }, { kind: 'answer', questionId: 'a1q1', answer: { decision: 'decline' }, by: { via: 'node' } }]);
    expect(questions.answer('a1q1', { decision: 'accept' }, ann)).toBe(false);
  });

  it('waits 600 s plus the grace without an approval timeout, and declines at once a question asked after its turn ended', async () => {
    vi.useFakeTimers();
    const events: JobEvent[] = [];
    const questions = new JobQuestions({ spec: spec(5), emit: (e) => events.push(e), stopped: new AbortController().signal, frameBytes: () => 1024 * 1024, log: silentLogger() });
    let answer: QuestionAnswer | undefined;
    void questions.ask(command, new AbortController().signal).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(899_999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toStrictEqual({ decision: 'decline' });
    await expect(questions.ask(command, AbortSignal.abort())).resolves.toStrictEqual({ decision: 'decline' });
    expect(events.map((e) => (e.kind === 'question' ? e.question.id : e.kind))).toEqual(['a1q1', 'answer', 'a1q2', 'answer']);
  });
});
