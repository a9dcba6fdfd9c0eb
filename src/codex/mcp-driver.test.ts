import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyCodexCommand, LEGACY_CODEX_VERSION } from '../test-support/codex-legacy.js';
import { useDriverFixture } from '../test-support/driver-fixture.js';
import { assistantMessage } from '../test-support/responses-stand-in.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { AppServerExitedError, DriverClosedError, McpCodexDriver, type CodexEvent, type CodexQuestion, type RunTurnOptions, type TurnResult } from './index.js';

const fx = useDriverFixture((options) => new McpCodexDriver({ command: legacyCodexCommand(), ...options }));

/** Runs a turn in a fresh workspace (unless `cwd` is given), collecting its events. */
async function turn(on: McpCodexDriver, options: Partial<RunTurnOptions> = {}): Promise<{ result: TurnResult; events: CodexEvent[] }> {
  const events: CodexEvent[] = [];
  const result = await on.runTurn({ cwd: tempDir('csc-mcp-ws-'), prompt: 'do the thing', sandbox: 'workspace-write', approvalPolicy: 'never', onEvent: (event) => events.push(event), ...options });
  return { result, events };
}

describe('McpCodexDriver with the real Codex 0.153.4 mcp-server', () => {
  it('reports its version and status', async () => {
    expect(await fx.driver.version()).toBe(LEGACY_CODEX_VERSION);
    expect(fx.driver.status()).toMatchObject({ running: true, ready: true, pid: expect.any(Number) as number });
  });

  it('declines an approval request by policy (an MCP elicitation) and reports it', async () => {
    const escalated = { type: 'function_call', id: 'fc_esc', call_id: 'call_esc', name: 'exec_command', arguments: JSON.stringify({ cmd: 'echo hi > escalated.txt', sandbox_permissions: 'require_escalated', justification: 'needs it' }) };
    fx.standIn.enqueue({ output: [{ item: escalated }] }, { output: [assistantMessage('gave up')] });
    const cwd = tempDir('csc-mcp-ws-');
    const { result, events } = await turn(fx.newDriver({ questionHandler: () => Promise.resolve({ decision: 'decline' as const }) }), { cwd, approvalPolicy: 'on-request' });
    expect(result).toMatchObject({ status: 'completed', finalMessage: 'gave up' });
    expect(events.filter((e) => e.type === 'approval_request')).toMatchObject([{ kind: 'command', decision: 'decline', itemId: 'call_esc', command: expect.stringContaining('echo hi > escalated.txt') as string, cwd }]);
    expect(existsSync(join(cwd, 'escalated.txt'))).toBe(false);
    expect(JSON.stringify((fx.standIn.requests[1]?.body as { input?: unknown }).input)).toContain("declined by the node's approval policy");
  });

  it("lets a turn's own onQuestion answer, and tells the model what a denial said", async () => {
    const escalated = { type: 'function_call', id: 'fc_esc2', call_id: 'call_esc2', name: 'exec_command', arguments: JSON.stringify({ cmd: 'echo hi > escalated.txt', sandbox_permissions: 'require_escalated', justification: 'needs it' }) };
    fx.standIn.enqueue({ output: [{ item: escalated }] }, { output: [assistantMessage('gave up')] });
    const cwd = tempDir('csc-mcp-ws-');
    const questions: CodexQuestion[] = [];
    const onQuestion = (question: CodexQuestion) => (questions.push(question), Promise.resolve({ decision: 'decline' as const, text: 'not on this machine, ask ops' }));
    const { result } = await turn(fx.driver, { cwd, approvalPolicy: 'on-request', onQuestion });
    expect(result).toMatchObject({ status: 'completed', finalMessage: 'gave up' });
    expect(questions).toMatchObject([{ kind: 'command', method: 'elicitation/create', itemId: 'call_esc2', command: expect.stringContaining('echo hi > escalated.txt') as string }]);
    expect(existsSync(join(cwd, 'escalated.txt'))).toBe(false);
    expect(JSON.stringify((fx.standIn.requests[1]?.body as { input?: unknown }).input)).toContain('not on this machine, ask ops');
  });

  it('declines a pending question, aborting its signal, when its turn fails (the driver closes)', async () => {
    const escalated = { type: 'function_call', id: 'fc_esc3', call_id: 'call_esc3', name: 'exec_command', arguments: JSON.stringify({ cmd: 'echo hi > escalated.txt', sandbox_permissions: 'require_escalated', justification: 'needs it' }) };
    fx.standIn.enqueue({ output: [{ item: escalated }] });
    let signal: AbortSignal | undefined;
    const onQuestion = (_q: CodexQuestion, options: { signal: AbortSignal }) => ((signal = options.signal), new Promise<never>(() => undefined));
    const closing = fx.newDriver();
    const running = turn(closing, { approvalPolicy: 'on-request', onQuestion }).catch((error: unknown) => error);
    await waitFor(() => signal, 'the question');
    await closing.close();
    expect(await running).toBeInstanceOf(DriverClosedError);
    expect(signal?.aborted).toBe(true);
  });

  it('cancels a turn whose signal fired before the turn had started', async () => {
    // Nothing scripted: a turn that went on to the model would fail on the stand-in's 500.
    const abort = new AbortController();
    const started = Date.now();
    const running = turn(fx.driver, { signal: abort.signal });
    abort.abort();
    const { result, events } = await running;
    expect(result.status).toBe('interrupted');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(events.at(-1)).toEqual({ type: 'turn_completed', status: 'interrupted' });
  });

  it("rejects a turn Codex refuses, with Codex's own message", async () => {
    // 0.153 knows only on-request and never.
    await expect(turn(fx.driver, { approvalPolicy: 'untrusted' })).rejects.toThrow(/refused the turn: .*unknown variant `untrusted`/);
    // The MCP server ignores `-c model_provider` on its command line; the `codex` tool's config argument carries it.
    await expect(turn(fx.newDriver({ configOverrides: { model_provider: 'nope' } }))).rejects.toThrow(/Model provider `nope` not found/);
  });

  it('fails the running turn when the process dies; a new process takes the next turn but not the old thread', async () => {
    const killed = fx.newDriver();
    await killed.start();
    const pid = killed.status().pid as number;
    fx.standIn.enqueue({ output: [assistantMessage('first')] }, { output: [assistantMessage('never')], delayMs: 30_000 });
    const first = await turn(killed);
    const running = turn(killed, { threadId: first.result.threadId }).catch((error: unknown) => error);
    await waitFor(() => fx.standIn.requests.length === 2, 'the model request');
    process.kill(pid, 'SIGKILL');
    const failure = await running;
    expect(failure).toBeInstanceOf(AppServerExitedError);
    expect((failure as Error).message).toMatch(/codex mcp-server was killed by SIGKILL/);

    fx.standIn.enqueue({ output: [assistantMessage('back')] });
    expect((await turn(killed)).result).toMatchObject({ status: 'completed', finalMessage: 'back' });
    expect(killed.status().pid).not.toBe(pid);
    await expect(turn(killed, { threadId: first.result.threadId })).rejects.toThrow(/Session not found for thread_id/);
  });
});
