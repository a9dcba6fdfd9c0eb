import { Bot } from 'grammy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botCommands, ChatEngine, type IncomingMessage, type Middleware } from '../../chat/index.js';
import type { ChatPlatformSettings } from '../../config/index.js';
import { captureLog, type LogLine } from '../../test-support/log-capture.js';
import { UploadingGateway } from '../../test-support/chat-engine-kit.js';
import { TelegramStandIn } from '../../test-support/telegram-stand-in.js';
import { waitFor } from '../../test-support/wait.js';
import { TelegramAdapter } from './telegram-adapter.js';
import { TelegramOutput } from './telegram-output.js';

let telegram: TelegramStandIn;
let adapter: TelegramAdapter;
let gateway: UploadingGateway;
let logs: { log: ReturnType<typeof captureLog>['log']; lines: LogLine[] };
/** Every message the engine got, in order (the observer stops there unless `passOn`). */
const seen: IncomingMessage[] = [];
let passOn = false;

const CHAT = 2001;
const GROUP = -100300;

const capture: Middleware = async (ctx, next) => {
  seen.push(ctx.message);
  if (passOn) await next();
};

function settings(): ChatPlatformSettings['telegram'] {
  return { botToken: telegram.token, parseMode: 'MarkdownV2', allowedChats: ['*'], apiRoot: telegram.apiRoot };
}

beforeAll(async () => {
  telegram = await TelegramStandIn.start();
  logs = captureLog('debug');
  gateway = new UploadingGateway();
  const engine = new ChatEngine({ gateway, access: () => ({ allowed: true }), observers: [capture], log: logs.log });
  adapter = new TelegramAdapter(settings, { engine, log: logs.log }, { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 50 });
  adapter.start();
  await waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates'), 'polling');
});
afterAll(async () => {
  await adapter.stop();
  await telegram.close();
});
afterEach(() => {
  passOn = false;
});

/** The next message the engine gets after `before` were seen. */
function nextSeen(before: number): Promise<IncomingMessage> {
  return waitFor(() => seen[before], 'a message reaching the engine');
}

describe('Telegram adapter (Bot API stand-in)', () => {
  it('publishes the command menu at start: the default list in English, and one for Korean users', async () => {
    await waitFor(() => telegram.files.commands.size === 2, 'both menus');
    expect(telegram.files.commands.get('')).toEqual(botCommands('en'));
    expect(telegram.files.commands.get('ko')).toEqual(botCommands('ko'));
    const calls = telegram.calls.filter((c) => c.method === 'setMyCommands');
    expect(calls.map((c) => c.payload.language_code)).toEqual([undefined, 'ko']);
  });

  it("passes the sender's language_code on, and none when Telegram gives none", async () => {
    const before = seen.length;
    telegram.say({ chatId: CHAT, text: '안녕하세요', languageCode: 'ko' });
    expect((await nextSeen(before)).language).toBe('ko');
    telegram.say({ chatId: CHAT, text: 'hello' });
    const plain = await nextSeen(before + 1);
    expect(plain.text).toBe('hello');
    expect(plain.language).toBeUndefined();
  });

  it('hands a photo over as its largest size, fetched through getFile and the file route, the caption as text', async () => {
    const photo = Buffer.from(Array.from({ length: 3000 }, (_v, i) => i % 251));
    const before = seen.length;
    telegram.say({ chatId: CHAT, file: { kind: 'photo', content: photo }, caption: 'what is on this?', languageCode: 'en' });
    const got = await nextSeen(before);
    expect(got.text).toBe('what is on this?');
    expect(got.files).toHaveLength(1);
    const [file] = got.files ?? [];
    expect(file).toMatchObject({ kind: 'image', mime: 'image/jpeg', bytes: photo.length });
    expect(file?.name).toMatch(/^photo-.+\.jpg$/);
    expect((await file?.fetch())?.equals(photo)).toBe(true);
    expect(telegram.calls.filter((c) => c.method === 'getFile').at(-1)?.payload.file_id).toBeDefined();
    expect(telegram.calls.at(-1)).toMatchObject({ method: 'file', payload: { path: expect.stringMatching(/^photos\//) as unknown } });
  });

  it('hands documents and voice notes over; an image sent as a file stays an image; a size Telegram leaves out is 0', async () => {
    const before = seen.length;
    telegram.say({ chatId: CHAT, file: { kind: 'document', content: Buffer.from('a,b\n1,2\n'), fileName: 'data.csv', mimeType: 'text/csv' } });
    telegram.say({ chatId: CHAT, file: { kind: 'document', content: Buffer.from('PNG!'), fileName: 'shot.png', mimeType: 'image/png', omitSize: true } });
    telegram.say({ chatId: CHAT, file: { kind: 'voice', content: Buffer.from('OggS voice') } });
    const document = await nextSeen(before);
    const screenshot = await nextSeen(before + 1);
    const voice = await nextSeen(before + 2);
    expect(document.text).toBe('');
    expect(document.files?.[0]).toMatchObject({ kind: 'file', name: 'data.csv', mime: 'text/csv', bytes: 8 });
    expect((await document.files?.[0]?.fetch())?.toString()).toBe('a,b\n1,2\n');
    expect(screenshot.files?.[0]).toMatchObject({ kind: 'image', name: 'shot.png', mime: 'image/png', bytes: 0 });
    expect(voice.files?.[0]).toMatchObject({ kind: 'voice', mime: 'audio/ogg', bytes: 10 });
    expect(voice.files?.[0]?.name).toMatch(/^voice-.+\.ogg$/);
    expect((await voice.files?.[0]?.fetch())?.toString()).toBe('OggS voice');
  });

  it('ignores a command addressed to another bot and takes its own name off a command addressed to it', async () => {
    const before = seen.length;
    telegram.say({ chatId: GROUP, text: '/status@OtherBot' });
    telegram.say({ chatId: GROUP, text: '/status@CSC_test_bot now' });
    const got = await nextSeen(before);
    expect(got.text).toBe('/status now');
    // Updates are handled in order: had the first one reached the engine, it would be this one.
    expect(seen.slice(before).map((m) => m.text)).toEqual(['/status now']);
  });

  it('lets the engine upload a photo for a request (the bridge path of files)', async () => {
    passOn = true;
    const photo = Buffer.from('a photo of a cat');
    telegram.say({ chatId: CHAT, file: { kind: 'photo', content: photo }, caption: 'describe it' });
    const upload = await waitFor(() => gateway.uploads.at(-1), 'the upload');
    expect(upload).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    expect(upload.content.equals(photo)).toBe(true);
    const submit = await waitFor(() => gateway.submits.at(-1), 'the request').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the chat shows: ${JSON.stringify(telegram.sentTo(CHAT).slice(-3).map((m) => m.text))}`);
    });
    expect(submit.attachments?.map((a) => a.name)).toEqual([upload.name]);
  });
});

describe('TelegramOutput: markup Telegram cannot parse', () => {
  it('sends and edits again as plain text, markup removed, telling each fallback', async () => {
    const bot = new Bot(telegram.token, { client: { apiRoot: telegram.apiRoot } });
    const fallbacks: string[] = [];
    const output = new TelegramOutput(bot.api, 'MarkdownV2', (description) => fallbacks.push(description));
    // An unclosed bold and an unescaped dot: Telegram's "can't parse entities".
    const sent = await output.send({ chatId: String(CHAT) }, '*Done\\! see [the job](http://dash.test/jobs/1) v1.2');
    const message = telegram.messages.find((m) => m.messageId === Number(sent.messageId));
    expect(message?.text).toBe('Done! see the job (http://dash.test/jobs/1) v1.2');
    expect(message?.parseMode).toBeUndefined();
    // Markup Telegram parses goes as it is.
    await output.edit(sent, '`code` and *bold*\\.');
    expect(message?.text).toBe('`code` and *bold*\\.');
    expect(message?.parseMode).toBe('MarkdownV2');
    await output.edit(sent, 'broken _italic');
    expect(message?.text).toBe('broken italic');
    expect(fallbacks).toHaveLength(2);
    expect(fallbacks[0]).toContain("can't parse entities");
    expect(telegram.rejected.filter((r) => r.method === 'sendMessage' || r.method === 'editMessageText')).toHaveLength(2);
  });

  it('in the adapter, logs the first fallback at warn and later ones at debug', async () => {
    passOn = true;
    const refusal = { ok: false as const, error_code: 400, description: "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'" };
    for (const round of [1, 2]) {
      telegram.failNext('sendMessage', refusal);
      const asked = telegram.say({ chatId: CHAT + round, text: '/help' });
      await waitFor(() => telegram.sentTo(CHAT + round).find((m) => m.replyTo === asked), 'the help, sent plain');
    }
    const help = telegram.sentTo(CHAT + 1)[0];
    expect(help?.parseMode).toBeUndefined();
    expect(help?.text).not.toMatch(/\\[.!-]/);
    const fallbacks = logs.lines.filter((l) => l.msg.includes('went as plain text'));
    expect(fallbacks.map((l) => l.level)).toEqual([40, 20]);
  });
});
