import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistantMessage, execCommandCall } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import type { CscProcess } from './cli-process.js';
import { AGENT_MODELS, CANCEL_WAIT_SEC, inputText, PLANNER_PROMPT, plain, RunbookFixture, STRANGER, USER, type TraceLine } from './telegram-runbook-fixture.js';

// One runner child serves the runbook's checks in order; a second one is the restart. Codex is the
// real binary, so every answer below went through `csc telegram` → codex → the Responses stand-in.
let f: RunbookFixture;
let runner: CscProcess;
let backlog: number;
/** The thread of the single-mode conversation, kept across the restart. */
let threadId: string;
/** The first runner's Codex process, as `/status` reports it. */
let codexPid: number;

beforeAll(async () => {
  f = await RunbookFixture.start();
  f.writeConf(true);
  // Said while no runner polls: with ignore_pending_updates_on_start it must never be answered.
  backlog = f.telegram.say({ chatId: USER, text: 'queued while the runner was stopped' });
  runner = await f.startRunner({ confPathFromEnv: true });
}, 30_000);

afterAll(async () => {
  await f.close(runner);
  removeTempDirs();
});

describe('csc telegram: the runbook, through the CLI with the real codex', () => {
  it('refuses a stranger with Unauthorized, and nothing runs', async () => {
    f.telegram.say({ chatId: STRANGER, text: `is ${f.telegram.token} your token?` });
    const refusal = await waitFor(() => f.telegram.sentTo(STRANGER)[0], 'the refusal', 10_000);
    expect(plain(refusal)).toMatch(/^Unauthorized\. Your user id is 777: add it to \[telegram\] allowed_users in /);
    expect(plain(refusal)).toContain(f.confPath);
  });

  it('/start answers the help, and the backlog was skipped', async () => {
    const help = plain(await f.ask('/start', '/profile list|<name>'));
    for (const command of ['/start', '/status', '/mode single|multi', '/cancel', '/new']) expect(help).toContain(command);
    // Updates come in order, so a backlog answer would have come before the help.
    expect(f.telegram.sentTo(USER).some((m) => m.replyTo === backlog)).toBe(false);
    expect(f.responses.requests).toHaveLength(0);
    expect(f.telegram.sentTo(STRANGER)).toHaveLength(1);
  });

  it('/status shows the mode, the profile, no run yet and codex_mcp of its own Codex process', async () => {
    const status = plain(await f.ask('/status', 'codex_mcp:'));
    expect(status).toContain('mode: single');
    expect(status).toContain(`profile: default (model model-default, ${f.workDefault})`);
    expect(status).toContain('recent run: none');
    codexPid = Number(/codex_mcp: running=true, ready=true, pid=(\d+), uptime_sec=\d+/.exec(status)?.[1]);
    expect(codexPid).toBeGreaterThan(0);
    expect(codexPid).not.toBe(runner.child.pid);
    expect(isAlive(codexPid)).toBe(true);
  });

  it('a request makes Codex run a command, the answer arrives, and /status shows the run', async () => {
    f.responses.enqueue({ output: [execCommandCall('echo "checked $((6*7)) in $(basename "$PWD")"')] }, { output: [assistantMessage('The check printed its line.')] });
    const answer = plain(await f.ask('run the runbook check', 'succeeded in'));
    expect(answer).toMatch(/Job #1 succeeded in [\d.]+ s\*\n\nThe check printed its line\./);
    const [first, second] = f.bodies();
    expect(first?.model).toBe('model-default');
    expect(inputText(first)).toContain('run the runbook check');
    // The command's output reached the model: Codex really ran it, in the default profile's directory.
    expect(inputText(second)).toContain(`checked 42 in ${basename(f.workDefault)}`);
    expect(plain(await f.ask('/status', 'codex_mcp:'))).toMatch(/recent run: #1 succeeded at \S+ — The check printed its line\.\nrunning: nothing/);
    threadId = String(f.session().threadId);
    expect(threadId).toMatch(/^[\w-]{8,}$/);
  });

  it('/profile switches the model and the working directory', async () => {
    expect(plain(await f.ask('/profile list', 'Profiles:'))).toMatch(/Profiles:\n◦ default\n◦ alt/);
    await f.ask('/profile alt', 'Profile: alt');
    const from = f.responses.requests.length;
    f.responses.enqueue({ output: [execCommandCall('pwd > where.txt')] }, { output: [assistantMessage('Wrote where.txt.')] });
    expect(plain(await f.ask('say where you are', 'succeeded in'))).toContain('Wrote where.txt.');
    expect(f.bodies(from).map((b) => b.model)).toEqual(['model-alt', 'model-alt']);
    expect(readFileSync(join(f.workAlt, 'where.txt'), 'utf8').trim()).toBe(realpathSync(f.workAlt));
    expect(existsSync(join(f.workDefault, 'where.txt'))).toBe(false);
    expect(f.session()).toMatchObject({ profile: 'alt', threadId });
  });

  it('/mode multi runs planner → coder → reviewer with their prompts and models, the verdict in the answer', async () => {
    await f.ask('/mode multi', 'Mode: multi');
    const from = f.responses.requests.length;
    f.responses.enqueue(
      { output: [assistantMessage('1. Add the textbox.')] },
      { output: [assistantMessage('Added the textbox.')] },
      { output: [assistantMessage('Looks right.\nVerdict: APPROVE')] },
    );
    const answer = plain(await f.ask('add a textbox to the form', 'succeeded in'));
    expect(answer).toMatch(/## planner\n1\. Add the textbox\.\n\n## coder\nAdded the textbox\.\n\n## reviewer\nLooks right\.\nVerdict: APPROVE/);
    const [planner, coder, reviewer] = f.bodies(from);
    expect(f.bodies(from).map((b) => b.model)).toEqual([...AGENT_MODELS]);
    expect(inputText(planner)).toContain(PLANNER_PROMPT);
    expect(inputText(coder)).toContain('You are the coder');
    expect(inputText(coder)).toContain('1. Add the textbox.');
    expect(inputText(reviewer)).toContain('You are the reviewer');
    expect(inputText(reviewer)).toContain('Added the textbox.');
    // Each agent starts afresh: none of them sees the single-mode conversation.
    for (const body of [planner, coder, reviewer]) expect(inputText(body)).not.toContain('run the runbook check');
    // ...and the pipeline leaves that conversation to be continued in single mode.
    expect(f.session()).toMatchObject({ mode: 'multi', threadId });
    await f.ask('/mode single', 'Mode: single');
  });

  it('/cancel during a slow turn answers within cancel_wait_timeout_sec and the run ends cancelled', async () => {
    const from = f.responses.requests.length;
    f.responses.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    f.telegram.say({ chatId: USER, text: 'take your time' });
    await waitFor(() => f.responses.requests.length > from, 'the slow turn to reach the model', 15_000);
    const asked = Date.now();
    expect(plain(await f.ask('/cancel', 'Cancelling job #4', { timeoutMs: (CANCEL_WAIT_SEC + 5) * 1000 }))).toBe('Cancelling job #4…');
    expect(Date.now() - asked).toBeLessThan(CANCEL_WAIT_SEC * 1000);
    await waitFor(() => f.telegram.sentTo(USER).find((m) => plain(m).includes('🛑 Job #4 cancelled in')), 'the cancelled result');
    await waitFor(() => f.responses.requests[from]?.disconnected, 'Codex to hang up on the model', 5000);
    expect(plain(await f.ask('/status', 'codex_mcp:'))).toMatch(/recent run: #4 cancelled at .*\nrunning: nothing/);
  });

  it('a restart keeps the session and continues the same Codex thread; a backlog is answered when not skipped', { timeout: 40_000 }, async () => {
    runner.child.kill('SIGINT');
    expect(await runner.exited).toBe(0);
    // Ctrl+C took its Codex process along.
    await waitFor(() => !isAlive(codexPid), 'the first Codex process to end');
    f.writeConf(false);
    const queued = f.telegram.say({ chatId: USER, text: '/status' });
    const from = f.responses.requests.length;
    runner = await f.startRunner({ confPathFromEnv: false });
    const answered = await waitFor(() => f.telegram.sentTo(USER).find((m) => m.replyTo === queued), 'the backlog /status', 10_000);
    // Found through the default conf path; the session file brought back the profile and the last run; job ids restart at #1.
    expect(plain(answered)).toMatch(/mode: single\nprofile: alt .*\nrecent run: #4 cancelled/);
    f.responses.enqueue({ output: [assistantMessage('You asked for the runbook check.')] });
    expect(plain(await f.ask('what did I ask first?', 'succeeded in'))).toContain('You asked for the runbook check.');
    const [body] = f.bodies(from);
    expect(body?.model).toBe('model-alt');
    expect(inputText(body)).toContain('run the runbook check');
    expect(inputText(body)).toContain('checked 42 in');
    expect(f.session()).toMatchObject({ threadId, lastRun: { jobId: 1, status: 'succeeded' } });
    // The first runner confirmed its offset on the way out: nothing it handled came again.
    expect(f.telegram.sentTo(USER).filter((m) => plain(m).includes('/profile list|<name>'))).toHaveLength(1);
  });

  it('/new resets the session: the next request starts a new Codex conversation', async () => {
    await f.ask('/new', 'Fresh start');
    expect(f.session()).toEqual({ mode: 'single', profile: 'alt' });
    const from = f.responses.requests.length;
    f.responses.enqueue({ output: [assistantMessage('Hello, stranger.')] });
    expect(plain(await f.ask('hello again', 'succeeded in'))).toContain('Hello, stranger.');
    expect(inputText(f.bodies(from)[0])).not.toContain('run the runbook check');
    expect(f.session().threadId).toEqual(expect.any(String));
    expect(f.session().threadId).not.toBe(threadId);
  });

  it('keeps sessions as sessions/{chatId}-{userId}.json', async () => {
    // A group chat tells the chat id from the user id.
    await f.ask('/mode multi', 'Mode: multi', { chatId: -100500 });
    expect(readdirSync(join(f.baseDir, 'sessions')).sort()).toEqual([`-100500-${USER}.json`, `${USER}-${USER}.json`]);
    expect(f.session(-100500)).toEqual({ mode: 'multi' });
    expect(f.session()).toMatchObject({ mode: 'single', profile: 'alt', lastJobId: 2, lastRun: { jobId: 2, status: 'succeeded', finishedAt: expect.any(String) as unknown } });
  });

  it('traces every update, run step and reply to traces/{yyyy-mm-dd}.jsonl, never the bot token', () => {
    const files = f.traces();
    expect([...files.keys()].every((name) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name))).toBe(true);
    const lines = [...files.entries()].flatMap(([name, day]) => day.map((line) => ({ name, line })));
    for (const { name, line } of lines) expect(`${line.at.slice(0, 10)}.jsonl`).toBe(name);
    const all = lines.map((l) => l.line);
    expect(new Set(all.map((l) => l.kind))).toEqual(new Set(['update', 'run_step', 'reply']));
    const stranger = all.find((l) => l.kind === 'update' && JSON.stringify(l).includes('your token'));
    expect(JSON.stringify(stranger)).toContain('is [redacted] your token?');
    expect(all.some((l) => l.kind === 'reply' && String(l.text).includes('Unauthorized'))).toBe(true);
    const steps = all.filter((l) => l.kind === 'run_step');
    expect(steps.some((l) => JSON.stringify(l.event).includes('"kind":"command_started"') && JSON.stringify(l.event).includes('checked $((6*7))'))).toBe(true);
    expect(agentSteps(steps)).toEqual(['step 1/3: planner', 'step 2/3: coder', 'step 3/3: reviewer']);
    expect(steps.filter((l) => l.step === 'finished').map((l) => l.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'cancelled', 'succeeded', 'succeeded']);
    const raw = [...files.keys()].map((name) => readFileSync(join(f.baseDir, 'traces', name), 'utf8')).join('');
    expect(raw).not.toContain(f.telegram.token);
    expect(raw).not.toContain(f.telegram.token.split(':')[1]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function agentSteps(steps: TraceLine[]): string[] {
  return steps.map((l) => l.event as { kind?: string; text?: string } | undefined).flatMap((e) => (e?.kind === 'agent_message' && e.text?.startsWith('step ') ? [e.text] : []));
}
