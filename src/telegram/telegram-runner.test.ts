import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnvironment, environmentFrom, resolveOrchestratorConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { TelegramRunner } from './index.js';

const USER = 4242;
let standIn: ResponsesStandIn;
let home: CodexHome;
let telegram: TelegramStandIn;
let base: string;
let runner: TelegramRunner;
let running: Promise<unknown>;

function conf(extra = ''): string {
  const work = tempDir();
  return `[telegram]
allowed_users = [${USER}]
[telegram.polling]
poll_timeout = 1
loop_sleep_sec = 0
cancel_wait_timeout_sec = 10
[codex]
mcp_args = "app-server"
approval_policy = "on-request"
sandbox = "read-only"
[profile]
default = "default"
[profiles.default]
model = "model-default"
working_directory = "${work}"
[profiles.fast]
model = "model-fast"
working_directory = "${work}"
${extra}`;
}

async function startRunner() {
  const config = resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: join(base, 'conf.toml'), TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, HOME: base }));
  const created = await TelegramRunner.create({ config, log: silentLogger(), version: 'test', env: childEnvironment(), codexEnv: home.env, progressIntervalMs: 50, perChatIntervalMs: 0 });
  const polls = telegram.calls.filter((c) => c.method === 'getUpdates').length;
  const run = created.run();
  // Updates said before the runner polls would be skipped as backlog.
  await waitFor(() => telegram.calls.filter((c) => c.method === 'getUpdates').length >= polls + 2 || undefined, 'the runner polling', 10_000).catch(() => undefined);
  return { runner: created, running: run };
}

/** Sends `text` and waits for a bot message containing `expected`. */
async function ask(text: string, expected: string, timeoutMs = 15_000) {
  const before = telegram.sentTo(USER).length;
  telegram.say({ chatId: USER, text });
  return waitFor(() => telegram.sentTo(USER).slice(before).find((m) => m.text.includes(expected)), `a reply with "${expected}"`, timeoutMs);
}

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  telegram = await TelegramStandIn.start();
  base = tempDir();
  writeFileSync(join(base, 'conf.toml'), conf());
  ({ runner, running } = await startRunner());
});
afterAll(async () => {
  await runner.stop();
  await running;
  await telegram.close();
  await standIn.close();
  home.remove();
  removeTempDirs();
});

describe('resolveOrchestratorConfig', () => {
  it('writes the commented template when the file is missing', () => {
    const dir = tempDir();
    const config = resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: join(dir, 'conf.toml'), TELEGRAM_BOT_TOKEN: 't', HOME: dir }));
    expect(config.templateWritten).toBe(true);
    expect(readFileSync(join(dir, 'conf.toml'), 'utf8')).toContain('[telegram.polling]');
    expect(config.polling.cancel_wait_timeout_sec).toBe(5);
    expect(config.agents.map((a) => a.name)).toEqual(['planner', 'coder', 'reviewer']);
  });

  it('names a bad key', () => {
    const dir = tempDir();
    const env = environmentFrom({ CODEX_CONF_PATH: join(dir, 'conf.toml'), TELEGRAM_BOT_TOKEN: 't', HOME: dir });
    writeFileSync(join(dir, 'conf.toml'), '[telegram.polling]\npoll_timeout = "soon"\n');
    expect(() => resolveOrchestratorConfig(env)).toThrow(/\[telegram\.polling\] poll_timeout/);
    writeFileSync(join(dir, 'conf.toml'), '[codex]\nsandbx = "x"\n');
    expect(() => resolveOrchestratorConfig(env)).toThrow(/\[codex\] sandbx/);
  });
});

describe('csc telegram (real codex, Telegram stand-in)', () => {
  it('refuses a user not in allowed_users, naming their id', async () => {
    telegram.say({ chatId: 777, text: 'hi' });
    const refused = await waitFor(() => telegram.sentTo(777)[0], 'a refusal');
    expect(refused.text).toContain('Unauthorized');
    expect(refused.text).toContain('777');
  });

  it('answers a request with a progress message and the answer, under the configured sandbox and approval policy; /status shows mode, profile and codex_mcp', { timeout: 30_000 }, async () => {
    standIn.enqueue({ output: [assistantMessage('The word is PLUM.')] });
    const answer = await ask('remember the word plum.', 'succeeded in', 15_000);
    const progress = telegram.sentTo(USER).find((m) => m.history[0]?.includes('Sending to Codex'));
    expect(progress?.text).toMatch(/succeeded/);
    expect(answer.text).toContain('PLUM');
    expect(telegram.calls.some((c) => c.method === 'sendChatAction')).toBe(true);
    const status = await ask('/status', 'codex\\_mcp:');
    expect(status.text).toMatch(/mode: single/);
    expect(status.text).toMatch(/profile: default/);
    expect(status.text).toMatch(/codex\\?_mcp: running\\?=true, ready\\?=true, pid\\?=\d+/);
    expect(standIn.requests.at(-1)?.body).toMatchObject({ model: 'model-default' });
    // [codex] approval_policy and sandbox reach the run: Codex tells the model what it may do.
    const instructions = JSON.stringify(standIn.requests.at(-1)?.body);
    expect(instructions).toContain('`sandbox_mode` is `read-only`');
    // on-request: the model is told how to ask for escalation (under `never` it is told it cannot ask).
    expect(instructions).toContain('How to request escalation');
    expect(instructions).not.toContain('Approval policy is currently never');
  });

  it('keeps the session in its file and the trace per day, the token redacted', () => {
    const session = JSON.parse(readFileSync(join(base, 'sessions', `${USER}-${USER}.json`), 'utf8')) as Record<string, unknown>;
    expect(session).toMatchObject({ threadId: expect.any(String) as unknown, lastRun: { status: 'succeeded' } });
    const day = new Date().toISOString().slice(0, 10);
    const trace = readFileSync(join(base, 'traces', `${day}.jsonl`), 'utf8');
    const kinds = new Set(trace.trim().split('\n').map((line) => (JSON.parse(line) as { kind: string }).kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['update', 'run_step', 'reply']));
    expect(trace).not.toContain(telegram.token);
  });

  it('/profile switches the model Codex is asked for', { timeout: 30_000 }, async () => {
    await ask('/profile list', 'fast');
    await ask('/profile fast', 'Profile: fast');
    standIn.enqueue({ output: [assistantMessage('Fast answer.')] });
    expect((await ask('go fast', 'succeeded in', 20_000)).text).toContain('Fast answer');
    expect(standIn.requests.at(-1)?.body).toMatchObject({ model: 'model-fast' });
    await ask('/profile default', 'Profile: default');
  });

  it('two messages at once: the second waits behind the first, says so, and continues its conversation', { timeout: 30_000 }, async () => {
    standIn.enqueue({ output: [assistantMessage('The fruit is FIG.')] }, { output: [assistantMessage('You asked about FIG.')] });
    const before = telegram.sentTo(USER).length;
    const requestsBefore = standIn.requests.length;
    telegram.say({ chatId: USER, text: 'name a fruit' });
    const second = telegram.say({ chatId: USER, text: 'which fruit was it?' });
    const notice = await waitFor(() => telegram.sentTo(USER).find((m) => m.replyTo === second), 'the second request\'s notice');
    expect(notice.history[0]).toContain('Queued behind the request before it');
    await waitFor(() => telegram.sentTo(USER).slice(before).filter((m) => m.text.includes('succeeded in')).length === 2 || undefined, 'both results', 20_000);
    // One run after the other, the second continuing the first's Codex thread.
    expect(standIn.requests.length - requestsBefore).toBe(2);
    expect(JSON.stringify(standIn.requests.at(-1)?.body)).toContain('The fruit is FIG.');
    expect(notice.text).toMatch(/succeeded/);
  });

  it('/cancel stops a slow run', { timeout: 30_000 }, async () => {
    standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const before = standIn.requests.length;
    telegram.say({ chatId: USER, text: 'take your time' });
    await waitFor(() => standIn.requests.length > before, 'the slow run', 15_000);
    await ask('/cancel', 'Cancelling');
    await waitFor(() => telegram.sentTo(USER).find((m) => /cancelled/.test(m.text)), 'the cancelled run');
  });

  it('a restart continues the same Codex thread, and /new starts afresh', { timeout: 40_000 }, async () => {
    const { threadId } = JSON.parse(readFileSync(join(base, 'sessions', `${USER}-${USER}.json`), 'utf8')) as { threadId: string };
    await runner.stop();
    await running;
    const stale = telegram.say({ chatId: USER, text: 'said while stopped' });
    const requestsBefore = standIn.requests.length;
    ({ runner, running } = await startRunner());
    standIn.enqueue({ output: [assistantMessage('Still PLUM.')] });
    expect((await ask('what was the word?', 'succeeded in', 20_000)).text).toContain('Still PLUM');
    expect(JSON.stringify(standIn.requests.at(-1)?.body)).toContain('remember the word plum');
    // ignore_pending_updates_on_start: the backlog got no answer and reached no model.
    expect(telegram.sentTo(USER).some((m) => m.replyTo === stale)).toBe(false);
    expect(standIn.requests.length - requestsBefore).toBe(1);
    const after = JSON.parse(readFileSync(join(base, 'sessions', `${USER}-${USER}.json`), 'utf8')) as { threadId: string };
    expect(after.threadId).toBe(threadId);
    await ask('/new', 'Fresh start');
    standIn.enqueue({ output: [assistantMessage('New here.')] });
    expect((await ask('hello again', 'succeeded in', 20_000)).text).toContain('New here');
    expect(JSON.stringify(standIn.requests.at(-1)?.body)).not.toContain('remember the word plum');
  });

  it('multi mode runs planner, coder and reviewer, with the verdict in the answer', { timeout: 40_000 }, async () => {
    await ask('/mode multi', 'Mode: multi');
    const before = standIn.requests.length;
    standIn.enqueue({ output: [assistantMessage('1. add it')] }, { output: [assistantMessage('Added it.')] }, { output: [assistantMessage('Looks right. Verdict: APPROVE')] });
    const answer = await ask('add a textbox', 'succeeded in', 30_000);
    expect(answer.text).toContain('Verdict: APPROVE');
    expect(telegram.sentTo(USER).some((m) => m.history.some((h) => h.includes('step 2/3: coder')))).toBe(true);
    expect(standIn.requests.length - before).toBe(3);
    expect(JSON.stringify(standIn.requests.at(-1)?.body)).toContain('You are the reviewer');
    expect(answer.text).toContain('Added it');
    await ask('/mode single', 'Mode: single');
  });

  it('a second runner on the same token stops with a clear message (409)', async () => {
    const second = await startRunner();
    const end = await second.running;
    await second.runner.stop();
    expect(end).toMatchObject({ reason: 'fatal', message: expect.stringContaining('409') as unknown });
    expect(existsSync(join(base, 'sessions'))).toBe(true);
    expect(readdirSync(join(base, 'sessions')).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});
