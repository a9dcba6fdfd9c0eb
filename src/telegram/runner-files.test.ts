import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnvironment, environmentFrom, resolveOrchestratorConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import type { Transcriber } from '../chat/index.js';
import { TelegramRunner } from './index.js';

const USER = 5151;
/** A 1×1 PNG: Codex reads the image it is given. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let standIn: ResponsesStandIn;
let home: CodexHome;
let telegram: TelegramStandIn;
let work: string;
let runner: TelegramRunner;
let running: Promise<unknown>;
const heard: string[] = [];

/** A bot message without MarkdownV2's escapes. */
const plain = (text: string) => text.replace(/(?<!\\)\*/g, '').replace(/\\(.)/g, '$1');
/** Waits for a message to the user, from the `from`th on, whose plain text has `expected`. */
const reply = (expected: string | RegExp, from = 0) =>
  waitFor(() => telegram.sentTo(USER).slice(from).map((m) => plain(m.text)).find((t) => (typeof expected === 'string' ? t.includes(expected) : expected.test(t))), `a reply with ${String(expected)}`, 20_000);

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  telegram = await TelegramStandIn.start();
  const base = tempDir();
  work = tempDir();
  writeFileSync(
    join(base, 'conf.toml'),
    `[telegram]\nallowed_users = [${USER}]\n[telegram.polling]\npoll_timeout = 1\nloop_sleep_sec = 0\n[codex]\nmcp_args = "app-server"\napproval_policy = "never"\nsandbox = "workspace-write"\n[profile]\ndefault = "default"\n[profiles.default]\nmodel = "model-default"\nworking_directory = "${work}"\n`,
  );
  const config = resolveOrchestratorConfig(environmentFrom({ CODEX_CONF_PATH: join(base, 'conf.toml'), TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, HOME: base }));
  const transcriber: Transcriber = { transcribe: (audio, _name, _mime, language) => (heard.push(`${audio.toString()}:${language}`), Promise.resolve('목록을 보여 줘')) };
  runner = await TelegramRunner.create({ config, log: silentLogger(), version: 'test', env: childEnvironment(), codexEnv: home.env, progressIntervalMs: 50, perChatIntervalMs: 0, transcriber });
  running = runner.run();
  await waitFor(() => telegram.calls.filter((c) => c.method === 'getUpdates').length >= 2 || undefined, 'the runner polling', 10_000);
});
afterAll(async () => {
  await runner.stop();
  await running;
  await telegram.close();
  await standIn.close();
  home.remove();
  removeTempDirs();
});

describe('csc telegram with files (real codex, Telegram stand-in)', () => {
  it('puts a photo and a document in .csc/inbox, the photo as an image input, and sends the outbox back as a document', async () => {
    standIn.enqueue(
      { output: [assistantMessage('A single dot.')] },
      { output: [execCommandCall('mkdir -p .csc/outbox && cp .csc/inbox/notes.txt .csc/outbox/report.txt')] },
      { output: [assistantMessage('Copied your notes.')] },
    );
    telegram.say({ chatId: USER, file: { kind: 'photo', content: PNG }, caption: 'what is in the picture?' });
    await reply(/succeeded in .*\n\nA single dot\./);
    telegram.say({ chatId: USER, file: { kind: 'document', content: Buffer.from('my notes'), fileName: 'notes.txt', mimeType: 'text/plain' }, caption: 'copy my notes' });
    expect(await reply(/^✅ Job #2 succeeded in [\d.]+ s\n\nCopied your notes\./)).toBeDefined();
    const [first, second] = [standIn.requests[0], standIn.requests[1]].map((r) => JSON.stringify((r?.body as { input?: unknown } | undefined)?.input));
    expect(first).toContain('input_image');
    expect(first).toContain('what is in the picture?');
    expect(first).toContain('.csc/inbox/');
    expect(second).toContain('notes.txt (text/plain)');
    const report = await waitFor(() => telegram.documents.find((d) => d.fileName === 'report.txt'), 'the outbox file');
    expect(report.content.toString()).toBe('my notes');
    // The working directory is left as it was.
    expect(existsSync(join(work, '.csc'))).toBe(false);
  }, 60_000);

  it('transcribes a voice note, shows the words first, and runs them', async () => {
    standIn.reset();
    standIn.enqueue({ output: [assistantMessage('Here is the list.')] });
    const before = telegram.sentTo(USER).length;
    telegram.say({ chatId: USER, languageCode: 'ko', file: { kind: 'voice', content: Buffer.from('opus'), mimeType: 'audio/ogg' } });
    expect(await reply(/^✅ 작업 #3 성공 \([\d.]+초\)\n\nHere is the list\.$/, before)).toBeDefined();
    expect(plain(telegram.sentTo(USER)[before]?.text ?? '')).toBe('🎙️ 목록을 보여 줘');
    expect(heard).toEqual(['opus:ko']);
    expect(JSON.stringify((standIn.requests[0]?.body as { input?: unknown }).input)).toContain('목록을 보여 줘');
  }, 30_000);
});
