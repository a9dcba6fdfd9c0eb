import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatEngine, type IncomingMessage, type Middleware } from '../../chat/index.js';
import type { ChatPlatformSettings } from '../../config/index.js';
import { UploadingGateway } from '../../test-support/chat-engine-kit.js';
import { captureLog, type LogLine } from '../../test-support/log-capture.js';
import { SlackStandIn } from '../../test-support/slack-stand-in.js';
import { waitFor } from '../../test-support/wait.js';
import { SlackAdapter } from './slack-adapter.js';
import { SlackOutput } from './slack-output.js';

let slack: SlackStandIn;
let adapter: SlackAdapter;
let gateway: UploadingGateway;
let lines: LogLine[];
/** Every message the engine got, in order (the observer stops there unless `passOn`). */
const seen: IncomingMessage[] = [];
let passOn = false;

const capture: Middleware = async (ctx, next) => {
  seen.push(ctx.message);
  if (passOn) await next();
};

function settings(): ChatPlatformSettings['slack'] {
  return { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: '', allowedChannels: ['*'], allowedUsers: [], apiUrl: slack.apiUrl };
}

beforeAll(async () => {
  slack = await SlackStandIn.start();
  slack.members.set('UKO', { name: 'minji', locale: 'ko-KR' });
  slack.members.set('UEN', { name: 'june', locale: 'en-US' });
  const captured = captureLog('debug');
  lines = captured.lines;
  gateway = new UploadingGateway();
  const engine = new ChatEngine({ gateway, access: () => ({ allowed: true }), observers: [capture], log: captured.log });
  adapter = new SlackAdapter(settings, { engine, log: captured.log }, { retries: 0, retryBaseMs: 50 });
  adapter.start();
  // Bolt's own auth.test comes first; ours follows once the socket is up.
  await waitFor(() => slack.sockets.length === 1 && slack.calls.filter((c) => c.method === 'auth.test').length >= 2, 'the socket and the bot identity');
});
afterAll(async () => {
  await adapter.stop();
  await slack.close();
});
afterEach(() => {
  passOn = false;
});

function nextSeen(before: number): Promise<IncomingMessage> {
  return waitFor(() => seen[before], 'a message reaching the engine');
}

/** A DM from `user` (DMs reach the bot without a mention). */
function dm(user: string, text: string, extra: Record<string, unknown> = {}): string {
  const ts = slack.nextTs();
  slack.sendEvent({ type: 'message', channel: `D${user}`, channel_type: 'im', user, text, ts, ...extra });
  return ts;
}

describe('Slack adapter (Web API and Socket Mode stand-in)', () => {
  it("gives each message its sender's locale, asking users.info once per user", async () => {
    const before = seen.length;
    dm('UKO', '안녕');
    dm('UEN', 'hello');
    dm('UKO', '또 왔어요');
    dm('UNOBODY', 'who am I');
    await nextSeen(before + 3);
    // Each user's messages keep their order; different users' may pass each other while a lookup runs.
    const byText = Object.fromEntries(seen.slice(before).map((m) => [m.text, [m.userId, m.language]]));
    expect(byText).toEqual({ 안녕: ['UKO', 'ko-KR'], hello: ['UEN', 'en-US'], '또 왔어요': ['UKO', 'ko-KR'], 'who am I': ['UNOBODY', undefined] });
    expect(seen.slice(before).filter((m) => m.userId === 'UKO').map((m) => m.text)).toEqual(['안녕', '또 왔어요']);
    const lookups = slack.calls.filter((c) => c.method === 'users.info');
    expect(lookups.map((c) => c.args.user)).toEqual(['UKO', 'UEN', 'UNOBODY']);
    expect(lookups.every((c) => String(c.args.include_locale) === 'true')).toBe(true);
  });

  it("keeps a thread's order while a newcomer's locale is looked up", async () => {
    slack.members.set('UNEW', { name: 'newcomer', locale: 'ko-KR' });
    dm('UEN', 'warm up');
    await waitFor(() => seen.find((m) => m.text === 'warm up'), 'the locale of UEN known');
    const before = seen.length;
    const ts = slack.nextTs();
    slack.sendEvent({ type: 'message', channel: 'C5', channel_type: 'channel', user: 'UNEW', text: '<@UBOT> first', ts });
    slack.sendEvent({ type: 'message', channel: 'C5', channel_type: 'channel', user: 'UEN', text: 'second', ts: slack.nextTs(), thread_ts: ts });
    await nextSeen(before + 1);
    expect(seen.slice(before).map((m) => [m.text, m.language])).toEqual([
      ['first', 'ko-KR'],
      ['second', 'en-US'],
    ]);
  });

  it('hands shared files over (a file_share message), each downloaded with the bot token', async () => {
    const png = Buffer.from('\x89PNG fake image');
    const files = slack.files.share([
      { name: 'shot.png', mimetype: 'image/png', content: png },
      { name: 'notes.txt', mimetype: 'text/plain', content: Buffer.from('remember the milk') },
      { name: 'clip.webm', mimetype: 'audio/webm', content: Buffer.from('voice bytes') },
    ]);
    const before = seen.length;
    dm('UEN', 'look at these', { subtype: 'file_share', files });
    const got = await nextSeen(before);
    expect(got.text).toBe('look at these');
    expect(got.files?.map((f) => [f.kind, f.name, f.mime, f.bytes])).toEqual([
      ['image', 'shot.png', 'image/png', png.length],
      ['file', 'notes.txt', 'text/plain', 17],
      ['voice', 'clip.webm', 'audio/webm', 11],
    ]);
    expect((await got.files?.[0]?.fetch())?.equals(png)).toBe(true);
    expect((await got.files?.[1]?.fetch())?.toString()).toBe('remember the milk');
  });

  it('refuses to take the sign-in page for a file when the token is not accepted', async () => {
    const [file] = slack.files.share([{ name: 'a.pdf', mimetype: 'application/pdf', content: Buffer.from('%PDF') }]);
    const url = String(file?.url_private_download);
    const anonymous = await fetch(url);
    expect(anonymous.headers.get('content-type')).toContain('text/html');
    const before = seen.length;
    // A file whose URL the stand-in serves to nobody (a path it never shared).
    dm('UEN', '', { subtype: 'file_share', files: [{ ...file, url_private_download: `${url}-gone` }] });
    const got = await nextSeen(before);
    await expect(got.files?.[0]?.fetch()).rejects.toThrow(/sign-in page: the app needs the files:read scope/);
  });

  it('answers /codex (a slash_commands envelope): acked, posted in the channel as the root of its thread, replies continuing there', async () => {
    const before = seen.length;
    const envelope = slack.slashCommand({ user: 'UKO', channel: 'C9', text: 'fix the <flaky> test' });
    const got = await nextSeen(before);
    await waitFor(() => slack.acked.has(envelope), 'the ack');
    const root = slack.posted.find((p) => p.channel === 'C9' && p.ts === got.messageId);
    expect(root?.text).toBe('<@UKO>: /codex fix the &lt;flaky&gt; test');
    expect(root?.threadTs).toBeUndefined();
    expect(got).toMatchObject({ platform: 'slack', chatId: 'C9', threadId: root?.ts, userId: 'UKO', text: 'fix the <flaky> test', language: 'ko-KR' });
    // A reply in that thread, without a mention, is for the bot.
    slack.sendEvent({ type: 'message', channel: 'C9', channel_type: 'channel', user: 'UKO', text: 'and the other one', ts: slack.nextTs(), thread_ts: root?.ts });
    expect(await nextSeen(before + 1)).toMatchObject({ threadId: root?.ts, text: 'and the other one' });
    slack.slashCommand({ user: 'UEN', channel: 'C9', text: '  ' });
    expect((await nextSeen(before + 2)).text).toBe('/help');
  });

  it('sends a message Slack refuses for its form again as plain text, the first time logged at warn', async () => {
    passOn = true;
    for (const error of ['invalid_blocks', 'msg_too_long']) {
      slack.failNext('chat.postMessage', error);
      const ts = dm('UEN', '/help');
      await waitFor(() => slack.posted.find((p) => p.threadTs === ts), 'the help, plain');
    }
    const fallbacks = lines.filter((l) => l.msg.includes('went as plain text'));
    expect(fallbacks.map((l) => [l.level, l.error])).toEqual([
      [40, 'invalid_blocks'],
      [20, 'msg_too_long'],
    ]);
    const plainCalls = slack.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.mrkdwn) === 'false');
    expect(plainCalls).toHaveLength(2);
  });
});

describe('SlackOutput (Web API stand-in)', () => {
  let output: SlackOutput;
  const refusals: string[] = [];

  beforeAll(() => {
    output = new SlackOutput(new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }), (error) => refusals.push(error));
  });

  it('uploads a file into a thread: upload URL, the bytes, then the completion with the caption', async () => {
    const content = Buffer.from('diff --git a/x b/x\n+hello\n');
    await output.sendFile({ chatId: 'C1', threadId: '1700000001.000100' }, { name: 'job-7.diff', content, caption: 'Changes of job #7 <all>' });
    const [upload] = slack.files.uploads;
    expect(upload).toMatchObject({ filename: 'job-7.diff', length: content.length, channel: 'C1', threadTs: '1700000001.000100', initialComment: 'Changes of job #7 &lt;all&gt;', title: 'job-7.diff' });
    expect(upload?.content.equals(content)).toBe(true);
    expect(slack.calls.map((c) => c.method).filter((m) => m.startsWith('files.'))).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    await output.sendFile({ chatId: 'C2' }, { name: 'notes.txt', content: Buffer.from('x') });
    expect(slack.files.uploads[1]).toMatchObject({ channel: 'C2', filename: 'notes.txt' });
    expect(slack.files.uploads[1]?.threadTs).toBeUndefined();
  });

  it('edits again as plain text, and keeps the buttons of a question whose blocks were refused', async () => {
    const sent = await output.send({ chatId: 'C1' }, 'first');
    slack.failNext('chat.update', 'invalid_blocks');
    await output.edit(sent, 'see <http://dash.test/jobs/3|job #3> *now*');
    const message = slack.posted.find((p) => p.ts === sent.messageId);
    expect(message?.text).toBe('see job #3 (http://dash.test/jobs/3) *now*');
    slack.failNext('chat.postMessage', 'invalid_blocks');
    const asked = await output.sendButtons({ chatId: 'C1' }, '*Run* `rm -rf build`?', [
      { label: 'Allow', data: 'q:1:allow', style: 'primary' },
      { label: 'Deny', data: 'q:1:deny', style: 'danger' },
    ]);
    const question = slack.posted.find((p) => p.ts === asked.messageId);
    expect(question?.blocks.map((b) => [b.type, b.text?.type])).toEqual([
      ['section', 'plain_text'],
      ['actions', undefined],
    ]);
    expect(question?.blocks[1]?.elements?.map((e) => e.value)).toEqual(['q:1:allow', 'q:1:deny']);
    expect(refusals).toEqual(['invalid_blocks', 'invalid_blocks']);
  });

  it('passes other refusals on', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(output.send({ chatId: 'CNONE' }, 'hello')).rejects.toThrow(/channel_not_found/);
  });
});
