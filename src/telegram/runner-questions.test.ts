import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { childEnvironment, environmentFrom, resolveOrchestratorConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome, escalatedCommandCall } from '../test-support/responses-stand-in.js';
import { TelegramStandIn, type BotMessage } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { TelegramRunner } from './index.js';

const USER = 6161;
const STRANGER = 999;
const GROUP = -100300;

let model: ResponsesStandIn;
let home: CodexHome;
let telegram: TelegramStandIn;
let base: string;
let work: string;
let runner: TelegramRunner | undefined;
let running: Promise<unknown> | undefined;

async function start(codex = ''): Promise<void> {
  base = tempDir();
  work = tempDir('csc-runner-work-');
  writeFileSync(
    join(base, 'conf.toml'),
    `[telegram]\nallowed_users = [${USER}]\n[telegram.polling]\npoll_timeout = 1\nloop_sleep_sec = 0\n` +
      `[codex]\napproval_policy = "on-request"\nsandbox = "workspace-write"\n${codex}\n[profiles.default]\nmodel = "model-default"\nworking_directory = "${work}"\n`,
  );
  const config = resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: join(base, 'conf.toml'), TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, HOME: base }));
  runner = await TelegramRunner.create({ config, log: silentLogger(), version: 'test', env: childEnvironment(), codexEnv: home.env, progressIntervalMs: 50, perChatIntervalMs: 0 });
  running = runner.run();
  await waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates' && c.payload.offset !== -1), 'the runner polling');
}

/** Asks for the marker in `chat` and waits for Codex's question there. */
async function askForMarker(chat: number): Promise<BotMessage> {
  model.enqueue({ output: [escalatedCommandCall('echo approved-output > marker.txt; echo approved-output')] }, { output: [assistantMessage('Marker handled.')] });
  telegram.say({ chatId: chat, userId: USER, text: 'write the marker' });
  return waitFor(() => telegram.sentTo(chat).find((m) => m.buttons !== undefined), 'the question with its buttons');
}

/** The button labelled `label` under `message`. */
function button(message: BotMessage, label: string): string {
  const found = message.buttons?.flat().find((b) => b.text === label);
  if (!found) throw new Error(`no button "${label}" under ${JSON.stringify(message.buttons)}`);
  return found.callback_data;
}

function traces(): Record<string, unknown>[] {
  const dir = join(base, 'traces');
  return readdirSync(dir).flatMap((day) => readFileSync(join(dir, day), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>));
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

describe('csc telegram asks in the chat when approval_policy asks (real codex, on-request)', () => {
  it('shows the command with buttons; Approve once runs it, the message says who approved, and the trace has the question and the answer', { timeout: 30_000 }, async () => {
    await start();
    const question = await askForMarker(USER);
    expect(question.text).toContain('asks to run a command');
    expect(question.text).toContain('echo approved-output > marker.txt; echo approved-output');
    expect(question.text).toContain('Reason: needs to write the marker');
    expect(question.buttons?.flat().map((b) => b.text)).toEqual(expect.arrayContaining(['Approve once', 'Deny', 'Deny and stop']));
    const progress = await waitFor(() => telegram.sentTo(USER).find((m) => m.text.includes('Waiting for an answer')), 'the progress message to say it waits');
    const query = telegram.press({ chatId: USER, messageId: question.messageId, userId: USER, data: button(question, 'Approve once') });
    await waitFor(() => telegram.callbackAnswers.find((a) => a.queryId === query), 'the answer to the press');
    expect(telegram.callbackAnswers).toEqual([{ queryId: query, text: 'Job #1: approved once.' }]);
    await waitFor(() => question.text.includes('Approved once by june') || undefined, 'the question message edited');
    expect(question.text).toMatch(/✅ Approved once by june \\\(Telegram\\\) at \d\d:\d\d:\d\d UTC/);
    expect(question.buttons).toBeUndefined();
    const result = await waitFor(() => telegram.sentTo(USER).find((m) => m.text.includes('succeeded in')), 'the result');
    expect(result.text).toContain('Marker handled');
    expect(progress.text).not.toContain('Waiting for an answer');
    expect(readFileSync(join(work, 'marker.txt'), 'utf8')).toBe('approved-output\n');
    const steps = traces().filter((t) => t.kind === 'run_step').map((t) => t.event as { kind: string } | undefined);
    expect(steps).toContainEqual(expect.objectContaining({ kind: 'question', question: expect.objectContaining({ id: 'a1q1', kind: 'command' }) as unknown }));
    expect(steps).toContainEqual(expect.objectContaining({ kind: 'answer', questionId: 'a1q1', answer: { decision: 'accept' }, by: expect.objectContaining({ via: 'telegram', userId: String(USER), name: 'june' }) as unknown }));
    expect(traces()).toContainEqual(expect.objectContaining({ kind: 'reply', callbackQuery: query, text: 'Job #1: approved once.' }));
    expect(telegram.rejected).toEqual([]);
  });

  it("refuses a stranger's press in a group and changes nothing; the user's Deny keeps the command from running", { timeout: 30_000 }, async () => {
    await start();
    const question = await askForMarker(GROUP);
    const refused = telegram.press({ chatId: GROUP, messageId: question.messageId, userId: STRANGER, username: 'mallory', data: button(question, 'Approve once') });
    await waitFor(() => telegram.callbackAnswers.find((a) => a.queryId === refused), 'the refusal');
    expect(telegram.callbackAnswers[0]?.text).toBe(`You may not answer Codex's questions here (your user id: ${STRANGER}).`);
    expect(question.history).toHaveLength(1);
    expect(question.buttons).toBeDefined();
    telegram.press({ chatId: GROUP, messageId: question.messageId, userId: USER, data: button(question, 'Deny') });
    await waitFor(() => question.text.includes('Denied by june') || undefined, 'the question message edited');
    await waitFor(() => telegram.sentTo(GROUP).find((m) => m.text.includes('succeeded in')), 'the result');
    expect(existsSync(join(work, 'marker.txt'))).toBe(false);
    expect(JSON.stringify(model.requests.at(-1)?.body)).toMatch(/reject|declin/i);
  });

  it('pauses the run time limit while the question waits', { timeout: 30_000 }, async () => {
    await start('mcp_client_timeout_seconds = 2');
    const question = await askForMarker(USER);
    // Longer than the run may take: the wait does not count.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(question.buttons).toBeDefined();
    telegram.press({ chatId: USER, messageId: question.messageId, userId: USER, data: button(question, 'Approve once') });
    const result = await waitFor(() => telegram.sentTo(USER).find((m) => /succeeded in|failed in/.test(m.text)), 'the result');
    expect(result.text).toContain('succeeded in');
    expect(existsSync(join(work, 'marker.txt'))).toBe(true);
  });
});
