import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { childEnvironment, environmentFrom, resolveOrchestratorConfig } from '../config/index.js';
import { legacyCodexLauncher, LEGACY_CODEX_VERSION } from '../test-support/codex-legacy.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { TelegramRunner } from './index.js';

const USER = 5151;
/** A "Codex" that never answers `initialize`, and leaves when its stdin closes. */
const NEVER_READY = `mcp_command = ${JSON.stringify(process.execPath)}\nmcp_args = ["-e", "process.stdin.resume()"]`;
const MISSING = 'mcp_command = "/nonexistent/codex"';

let model: ResponsesStandIn;
let home: CodexHome;
let telegram: TelegramStandIn;
let runner: TelegramRunner | undefined;
let running: Promise<unknown> | undefined;
let lines: LogLine[];

/** A conf file with these `[codex]` lines and `require_mcp_warmup`, in a fresh directory. */
function confPath(codex: string, warmup = true): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'conf.toml'),
    `[telegram]\nallowed_users = [${USER}]\n[telegram.polling]\npoll_timeout = 1\nloop_sleep_sec = 0\nrequire_mcp_warmup = ${warmup}\n` +
      `[codex]\n${codex}\n[profiles.default]\nmodel = "model-default"\nworking_directory = "${tempDir()}"\n`,
  );
  return join(dir, 'conf.toml');
}

function create(path: string): Promise<TelegramRunner> {
  const config = resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: path, TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, HOME: dirname(path) }));
  const captured = captureLog();
  lines = captured.lines;
  return TelegramRunner.create({ config, log: captured.log, version: 'test', env: childEnvironment(), codexEnv: home.env, progressIntervalMs: 50, perChatIntervalMs: 0 });
}

/** Creates the runner and waits until it polls past the backlog skip. */
async function start(path: string): Promise<TelegramRunner> {
  runner = await create(path);
  running = runner.run();
  await waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates' && c.payload.offset !== -1), 'the runner polling');
  return runner;
}

/** Sends `text` and waits for a bot message matching `expected`. */
async function ask(text: string, expected: RegExp, timeoutMs = 15_000) {
  const before = telegram.sentTo(USER).length;
  telegram.say({ chatId: USER, text });
  return waitFor(() => telegram.sentTo(USER).slice(before).find((m) => expected.test(m.text)), `a reply matching ${expected}`, timeoutMs);
}

beforeAll(async () => {
  model = await ResponsesStandIn.start();
  home = writeCodexHome(model.baseUrl);
});
beforeEach(async () => {
  telegram = await TelegramStandIn.start();
});
afterEach(async () => {
  await runner?.stop();
  await running;
  runner = running = undefined;
  await telegram.close();
  const unused = model.pending;
  model.reset();
  expect(unused, 'scripted responses left unused').toBe(0);
});
afterAll(async () => {
  await model.close();
  home.remove();
  removeTempDirs();
});

describe('require_mcp_warmup', () => {
  it('true: a Codex that cannot start stops the runner before it polls, saying how to install it and which key to fix', async () => {
    const path = confPath(MISSING);
    await expect(create(path)).rejects.toThrow(`no Codex found at /nonexistent/codex. Install it (npm install -g @openai/codex) or point mcp_command under [codex] in ${path} at the binary.`);
    expect(telegram.calls).toEqual([]);
  });

  it('false: the runner polls at once; a request fails with the reason Codex could not start', async () => {
    await start(confPath(MISSING, false));
    await ask('/start', /\/status/);
    const answer = await ask('hello', /failed in/);
    // MarkdownV2 escapes the punctuation.
    expect(answer.text).toContain('no Codex found at /nonexistent/codex\\. Install it \\(npm install \\-g @openai/codex\\) or point mcp\\_command under \\[codex\\]');
  });

  it('false: a Codex that never gets ready does not hold up /start or /status, and a request ends at mcp_client_timeout_seconds', async () => {
    const started = Date.now();
    const path = confPath(`${NEVER_READY}\nmcp_client_timeout_seconds = 1`, false);
    await start(path);
    await ask('/start', /\/status/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await ask('/status', /codex\\_mcp/)).text).toMatch(/running\\=true, ready\\=false/);
    const answer = await ask('hello', /failed in 1\\\.\d s/, 10_000);
    expect(answer.text).toContain('Codex run timed out after 1 s \\(mcp\\_client\\_timeout\\_seconds\\)');
    // The trace keeps what went wrong beside the updates and replies.
    const traces = join(dirname(path), 'traces');
    const errors = readdirSync(traces)
      .flatMap((day) => readFileSync(join(traces, day), 'utf8').trim().split('\n'))
      .map((line) => JSON.parse(line) as { kind: string; message?: string })
      .filter((line) => line.kind === 'error');
    expect(errors.map((line) => line.message)).toContain('Codex run timed out after 1 s (mcp_client_timeout_seconds)');
  });
});

describe('mcp_client_timeout_seconds (real codex app-server)', () => {
  it('must be a positive number of seconds; fractions are fine', () => {
    const resolve = (value: string) => () => resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: confPath(`mcp_client_timeout_seconds = ${value}`), TELEGRAM_BOT_TOKEN: 't' }));
    expect(resolve('0')).toThrow(/\[codex\] mcp_client_timeout_seconds/);
    expect(resolve('"soon"')).toThrow(/\[codex\] mcp_client_timeout_seconds/);
    expect(resolve('0.5')().codex.mcp_client_timeout_seconds).toBe(0.5);
  });

  it('interrupts a turn that runs too long; the answer says it timed out, and the next request runs', { timeout: 30_000 }, async () => {
    await start(confPath('mcp_client_timeout_seconds = 1.5'));
    model.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const started = Date.now();
    const answer = await ask('take your time', /failed in/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer.text).toContain('Codex run timed out after 1\\.5 s \\(mcp\\_client\\_timeout\\_seconds\\)');
    await waitFor(() => model.requests[0]?.disconnected, 'the model request to be abandoned');
    model.enqueue({ output: [assistantMessage('Quick one.')] });
    expect((await ask('be quick', /succeeded in/)).text).toContain('Quick one');
  });
});

describe('mcp_command and mcp_args in the runbook style (a launcher, then mcp-server)', () => {
  it(`drive the legacy Codex ${LEGACY_CODEX_VERSION} over mcp-server`, { timeout: 30_000 }, async () => {
    await start(confPath(`mcp_command = ${JSON.stringify(process.execPath)}\nmcp_args = "${legacyCodexLauncher()} mcp-server"`));
    expect(lines.map((l) => l.msg)).toContain(`Codex ${LEGACY_CODEX_VERSION} ready (codex mcp-server)`);
    model.enqueue({ output: [assistantMessage('Answered over MCP.')] });
    expect((await ask('hello legacy', /succeeded in/, 20_000)).text).toContain('Answered over MCP');
    expect(model.requests.at(-1)?.body).toMatchObject({ model: 'model-default' });
  });

  it('on a Codex without mcp-server, say so and drive app-server', { timeout: 30_000 }, async () => {
    const launcher = join(dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json')), 'bin', 'codex.js');
    const path = confPath(`mcp_command = ${JSON.stringify(process.execPath)}\nmcp_args = "${launcher} mcp-server"`);
    await start(path);
    const warning = lines.find((l) => l.msg.includes('removed `codex mcp-server`'));
    expect(warning?.msg).toMatch(/^Codex 0\.\d+\.\d+ removed `codex mcp-server` in 0\.154; the runner drives `codex app-server` instead\./);
    expect(warning?.msg).toContain(`Set mcp_args = "app-server" under [codex] in ${path}`);
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/ready \(codex app-server\)$/));
    model.enqueue({ output: [assistantMessage('Answered over app-server.')] });
    expect((await ask('hello current', /succeeded in/, 20_000)).text).toContain('Answered over app');
  });
});
