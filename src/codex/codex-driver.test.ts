import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDriverFixture } from '../test-support/driver-fixture.js';
import { applyPatchCall, assistantMessage, execCommandCall, escalatedCommandCall } from '../test-support/responses-stand-in.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { AppServerExitedError, CodexDriver, type CodexEvent, type CodexQuestion, type QuestionDecision } from './index.js';

const fx = useDriverFixture((options) => new CodexDriver(options));

/** Runs a turn in a fresh workspace, collecting its events. */
async function turn(options: { prompt?: string; threadId?: string; cwd?: string; on?: CodexDriver; signal?: AbortSignal; onEvent?: (e: CodexEvent) => void } = {}) {
  const events: CodexEvent[] = [];
  const cwd = options.cwd ?? tempDir('csc-codex-ws-');
  const result = await (options.on ?? fx.driver).runTurn({
    cwd,
    prompt: options.prompt ?? 'do the thing',
    sandbox: 'workspace-write',
    approvalPolicy: 'never',
    ...(options.threadId !== undefined && { threadId: options.threadId }),
    ...(options.signal !== undefined && { signal: options.signal }),
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { result, events, cwd };
}

function ofType<T extends CodexEvent['type']>(events: CodexEvent[], type: T): Array<Extract<CodexEvent, { type: T }>> {
  return events.filter((event): event is Extract<CodexEvent, { type: T }> => event.type === type);
}

/** The text of every input item of a recorded model request, for "does it remember" checks. */
function inputText(index: number): string {
  return JSON.stringify((fx.standIn.requests[index]?.body as { input?: unknown } | undefined)?.input ?? null);
}

describe('CodexDriver with the real codex binary', () => {
  it('reports its version and status', async () => {
    const installed = (createRequire(import.meta.url)('@openai/codex/package.json') as { version: string }).version;
    expect(await fx.driver.version()).toBe(installed);
    expect(fx.driver.status()).toMatchObject({ running: true, ready: true, pid: expect.any(Number) as number });
  });

  it('runs a command, then answers: events, file and final message', async () => {
    fx.standIn.enqueue({ output: [execCommandCall('echo hi > out.txt')] }, { output: [assistantMessage('DONE', ['DO', 'NE'])] });
    const { result, events, cwd } = await turn();
    expect(result).toMatchObject({ status: 'completed', finalMessage: 'DONE', threadId: expect.any(String) as string });
    expect(result.usage?.totalTokens).toBe(30);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(ofType(events, 'command_started')[0]).toMatchObject({ command: expect.stringContaining('echo hi > out.txt') as string, cwd });
    expect(ofType(events, 'command_finished')[0]).toMatchObject({ exitCode: 0, status: 'completed' });
    expect(ofType(events, 'agent_message_delta').map((e) => e.delta)).toEqual(['DO', 'NE']);
    expect(ofType(events, 'agent_message')).toEqual([expect.objectContaining({ text: 'DONE' })]);
    expect(events.at(-1)).toEqual({ type: 'turn_completed', status: 'completed' });
    expect(ofType(events, 'turn_started')[0]?.turnId).toBe(result.turnId);
  });

  it('applies patches and reports the changed files with line counts', async () => {
    fx.standIn.enqueue(
      { output: [applyPatchCall('*** Begin Patch\n*** Add File: notes.txt\n+one\n+two\n*** End Patch\n')] },
      { output: [applyPatchCall('*** Begin Patch\n*** Update File: notes.txt\n@@\n-one\n+ONE\n*** End Patch\n')] },
      { output: [assistantMessage('patched')] },
    );
    const { result, events, cwd } = await turn();
    expect(result.status).toBe('completed');
    expect(readFileSync(join(cwd, 'notes.txt'), 'utf8')).toBe('ONE\ntwo\n');
    const changes = ofType(events, 'file_change').flatMap((e) => e.changes);
    expect(changes).toMatchObject([
      { path: join(cwd, 'notes.txt'), kind: 'add', added: 2, removed: 0 },
      { path: join(cwd, 'notes.txt'), kind: 'update', added: 1, removed: 1 },
    ]);
  });

  it('continues a thread in the same process and, via thread/resume, in a new one', async () => {
    fx.standIn.enqueue({ output: [assistantMessage('first answer')] }, { output: [assistantMessage('second answer')] }, { output: [assistantMessage('third answer')] });
    // A thread has one writing process at a time: the first driver must be gone before another resumes it.
    const owner = fx.newDriver();
    const first = await turn({ prompt: 'first prompt', on: owner });
    const second = await turn({ prompt: 'second prompt', threadId: first.result.threadId, cwd: first.cwd, on: owner });
    expect(second.result).toMatchObject({ status: 'completed', threadId: first.result.threadId, finalMessage: 'second answer' });
    expect(inputText(1)).toContain('first prompt');
    expect(inputText(1)).toContain('first answer');
    await owner.close();

    const third = await turn({ prompt: 'third prompt', threadId: first.result.threadId, cwd: first.cwd, on: fx.newDriver() });
    expect(third.result).toMatchObject({ status: 'completed', finalMessage: 'third answer' });
    for (const text of ['first prompt', 'first answer', 'second prompt', 'second answer', 'third prompt']) expect(inputText(2)).toContain(text);
  });

  it('interrupts a turn waiting on a slow model within a couple of seconds', async () => {
    fx.standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    let started: { threadId: string; turnId: string } | undefined;
    const running = turn({ onEvent: (event) => event.type === 'turn_started' && (started = event) });
    const { threadId, turnId } = await waitFor(() => (fx.standIn.requests.length === 1 ? started : undefined), 'the model request');
    const interruptedAt = Date.now();
    await fx.driver.interrupt(threadId, turnId);
    const { result, events } = await running;
    expect(Date.now() - interruptedAt).toBeLessThan(2000);
    expect(result.status).toBe('interrupted');
    expect(result.finalMessage).toBeUndefined();
    expect(ofType(events, 'turn_completed')).toEqual([{ type: 'turn_completed', status: 'interrupted' }]);
    await waitFor(() => fx.standIn.requests[0]?.disconnected, 'the model request to be dropped');
  });

  it('interrupts through an AbortSignal', async () => {
    fx.standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const abort = new AbortController();
    const running = turn({ signal: abort.signal });
    await waitFor(() => fx.standIn.requests.length === 1, 'the model request');
    abort.abort();
    expect((await running).result.status).toBe('interrupted');
  });

  it("fails a turn with Codex's message when the model endpoint answers 400 or 500", async () => {
    fx.standIn.enqueue({ status: 400, body: { error: { message: 'bad thing from the stand-in', type: 'invalid_request_error' } } });
    const bad = await turn();
    expect(bad.result).toMatchObject({ status: 'failed', error: expect.stringContaining('bad thing from the stand-in') as string });
    expect(ofType(bad.events, 'error')[0]).toMatchObject({ willRetry: false });

    fx.standIn.enqueue({ status: 500, body: { error: { message: 'internal', type: 'server_error' } } });
    const broken = await turn();
    // Codex replaces a 500's body with its own "high demand" text; the code says what happened.
    expect(broken.result).toMatchObject({ status: 'failed', errorCode: 'internalServerError', error: expect.stringMatching(/\w/) as string });
  });

  it('fails the running turn when the process dies, and the next turn gets a new process', async () => {
    const killed = fx.newDriver();
    await killed.start();
    const pid = killed.status().pid as number;
    fx.standIn.enqueue({ output: [assistantMessage('never')], delayMs: 30_000 });
    const running = turn({ on: killed }).catch((error: unknown) => error);
    await waitFor(() => fx.standIn.requests.length === 1, 'the model request');
    process.kill(pid, 'SIGKILL');
    const failure = await running;
    expect(failure).toBeInstanceOf(AppServerExitedError);
    expect((failure as Error).message).toMatch(/killed by SIGKILL while a turn was running/);

    fx.standIn.enqueue({ output: [assistantMessage('back')] });
    const again = await turn({ on: killed });
    expect(again.result).toMatchObject({ status: 'completed', finalMessage: 'back' });
    expect(killed.status()).toMatchObject({ running: true, ready: true });
    expect(killed.status().pid).not.toBe(pid);
  });

  it('answers approval requests with the policy and reports them', async () => {
    const asked = fx.newDriver({ questionHandler: () => Promise.resolve({ decision: 'decline' as const }) });
    fx.standIn.enqueue({ output: [execCommandCall('echo hi > out.txt')] }, { output: [assistantMessage('gave up')] });
    const cwd = tempDir('csc-codex-ws-');
    const events: CodexEvent[] = [];
    const result = await asked.runTurn({ cwd, prompt: 'try', sandbox: 'workspace-write', approvalPolicy: 'untrusted', onEvent: (e) => events.push(e) });
    expect(result.status).toBe('completed');
    expect(ofType(events, 'approval_request')).toMatchObject([{ kind: 'command', decision: 'decline', command: expect.stringContaining('echo hi') as string }]);
    expect(ofType(events, 'command_finished')[0]?.status).toBe('declined');
  });

  describe('asks the question handler under on-request', () => {
    async function askedTurn(decision: QuestionDecision | 'never' | 'throw') {
      const questions: CodexQuestion[] = [];
      const asked = fx.newDriver({
        questionTimeoutMs: 300,
        questionHandler: (question) => {
          questions.push(question);
          if (decision === 'never') return new Promise(() => undefined);
          if (decision === 'throw') throw new Error('handler bug');
          return Promise.resolve({ decision });
        },
      });
      fx.standIn.enqueue({ output: [escalatedCommandCall('echo escalated-output > marker.txt; echo escalated-output')] }, { output: [assistantMessage('finished')] });
      const cwd = tempDir('csc-codex-ws-');
      const events: CodexEvent[] = [];
      const result = await asked.runTurn({ cwd, prompt: 'write the marker', sandbox: 'workspace-write', approvalPolicy: 'on-request', onEvent: (e) => events.push(e) });
      return { result, events, questions, cwd };
    }

    it('runs the command when the handler accepts', async () => {
      const { result, events, questions, cwd } = await askedTurn('accept');
      expect(result.status).toBe('completed');
      expect(questions).toMatchObject([{ kind: 'command', method: 'item/commandExecution/requestApproval', cwd, command: expect.stringContaining('echo escalated-output') as string, reason: 'needs to write the marker' }]);
      // 0.169 offers accept, acceptWithExecpolicyAmendment and cancel here (and still honours decline)
      expect(questions[0]?.decisions).toEqual(expect.arrayContaining(['accept', 'cancel']));
      expect(ofType(events, 'approval_request')).toMatchObject([{ kind: 'command', decision: 'accept' }]);
      const finished = ofType(events, 'command_finished');
      expect(finished).toMatchObject([{ status: 'completed', exitCode: 0 }]);
      expect(finished[0]?.output).toContain('escalated-output');
      expect(readFileSync(join(cwd, 'marker.txt'), 'utf8')).toBe('escalated-output\n');
    });

    it.each(['never', 'throw'] as const)('declines when the handler %s answers', async (behaviour) => {
      const { result, events, questions, cwd } = await askedTurn(behaviour);
      expect(result.status).toBe('completed');
      expect(questions).toHaveLength(1);
      expect(ofType(events, 'approval_request')).toMatchObject([{ kind: 'command', decision: 'decline' }]);
      expect(ofType(events, 'command_finished')[0]?.status).toBe('declined');
      expect(() => readFileSync(join(cwd, 'marker.txt'))).toThrow();
    });

    it('declines a pending question, aborting its signal, when its turn is interrupted', async () => {
      let signal: AbortSignal | undefined;
      const asked = fx.newDriver({ questionHandler: (_question, options) => ((signal = options.signal), new Promise(() => undefined)) });
      fx.standIn.enqueue({ output: [escalatedCommandCall('echo escalated-output > marker.txt')] });
      const cwd = tempDir('csc-codex-ws-');
      const controller = new AbortController();
      const running = asked.runTurn({ cwd, prompt: 'write the marker', sandbox: 'workspace-write', approvalPolicy: 'on-request', signal: controller.signal });
      await waitFor(() => signal, 'the question');
      controller.abort();
      await expect(running).resolves.toMatchObject({ status: 'interrupted' });
      await waitFor(() => signal?.aborted || undefined, 'the question to be settled');
      expect(() => readFileSync(join(cwd, 'marker.txt'))).toThrow();
    });

    it('asks about a patch outside the workspace with its changes, and applies it when accepted', async () => {
      const questions: CodexQuestion[] = [];
      const asked = fx.newDriver({ questionHandler: (question) => (questions.push(question), Promise.resolve({ decision: 'accept' as const })) });
      // Outside every writable root of workspace-write (the workspace, /tmp): under the test's CODEX_HOME, removed with it.
      mkdirSync(join(fx.home.dir, 'outside'), { recursive: true });
      const target = join(fx.home.dir, 'outside', 'patched.txt');
      fx.standIn.enqueue({ output: [applyPatchCall(`*** Begin Patch\n*** Add File: ${target}\n+one\n+two\n*** End Patch\n`)] }, { output: [assistantMessage('patched')] });
      const cwd = tempDir('csc-codex-ws-');
      const result = await asked.runTurn({ cwd, prompt: 'patch outside', sandbox: 'workspace-write', approvalPolicy: 'on-request' });
      expect(result.status).toBe('completed');
      expect(questions).toMatchObject([{ kind: 'file_change', method: 'item/fileChange/requestApproval', changes: [{ path: target, kind: 'add', added: 2, removed: 0 }] }]);
      expect(readFileSync(target, 'utf8')).toBe('one\ntwo\n');
    });

    it("lets a turn's own onQuestion answer instead of the driver's handler", async () => {
      const asked: string[] = [];
      const driver = fx.newDriver({ questionHandler: () => (asked.push('driver'), Promise.resolve({ decision: 'decline' as const })) });
      fx.standIn.enqueue({ output: [escalatedCommandCall('echo escalated-output > marker.txt')] }, { output: [assistantMessage('finished')] });
      const cwd = tempDir('csc-codex-ws-');
      const onQuestion = (question: CodexQuestion) => (asked.push(`turn ${question.kind}`), Promise.resolve({ decision: 'accept' as const }));
      const result = await driver.runTurn({ cwd, prompt: 'write the marker', sandbox: 'workspace-write', approvalPolicy: 'on-request', onQuestion });
      expect(result.status).toBe('completed');
      expect(asked).toEqual(['turn command']);
      expect(readFileSync(join(cwd, 'marker.txt'), 'utf8')).toBe('escalated-output\n');
    });

    it("declines when a turn's own questionTimeoutMs passes", async () => {
      let signal: AbortSignal | undefined;
      fx.standIn.enqueue({ output: [escalatedCommandCall('echo escalated-output > marker.txt')] }, { output: [assistantMessage('finished')] });
      const cwd = tempDir('csc-codex-ws-');
      const onQuestion = (_q: CodexQuestion, options: { signal: AbortSignal }) => ((signal = options.signal), new Promise<never>(() => undefined));
      const result = await fx.driver.runTurn({ cwd, prompt: 'write the marker', sandbox: 'workspace-write', approvalPolicy: 'on-request', onQuestion, questionTimeoutMs: 200 });
      expect(result.status).toBe('completed');
      expect(signal?.aborted).toBe(true);
      expect(() => readFileSync(join(cwd, 'marker.txt'))).toThrow();
    });

    it('does not run the command when the handler declines', async () => {
      const { result, events, questions, cwd } = await askedTurn('decline');
      expect(result.status).toBe('completed');
      expect(questions).toMatchObject([{ kind: 'command' }]);
      expect(ofType(events, 'approval_request')).toMatchObject([{ kind: 'command', decision: 'decline' }]);
      expect(ofType(events, 'command_finished')[0]?.status).toBe('declined');
      expect(() => readFileSync(join(cwd, 'marker.txt'))).toThrow();
      expect(inputText(1)).toMatch(/reject|declin/i);
    });
  });
});
