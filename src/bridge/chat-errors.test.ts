import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { Scrape } from '../test-support/scrape.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { chatErrorCode, reportingFailures } from './chat-errors.js';
import { ChatBridge, platformAdapters } from './index.js';

describe('chatErrorCode', () => {
  it('names a Slack failure by its error, a client failure by its code, and never quotes a message', () => {
    expect(chatErrorCode(Object.assign(new Error('An API error occurred: channel_not_found'), { code: 'slack_webapi_platform_error', data: { ok: false, error: 'channel_not_found' } }))).toBe('channel_not_found');
    expect(chatErrorCode(Object.assign(new Error('socket hang up'), { code: 'slack_webapi_request_error' }))).toBe('slack_webapi_request_error');
    expect(chatErrorCode(Object.assign(new Error('x'), { code: 'not a code: <b>' }))).toBe('not_a_code___b_');
    expect(chatErrorCode(new Error('the user wrote something private'))).toBe('error');
    expect(chatErrorCode(undefined)).toBe('error');
  });
});

describe('reportingFailures', () => {
  it('reports each rejected call once, passes it on, and leaves the rest alone', async () => {
    const reported: unknown[] = [];
    const target = {
      limit: 10,
      async send(text: string): Promise<string> {
        if (text === 'bad') throw new Error('refused');
        return Promise.resolve(`sent ${text}`);
      },
      /** Calls `send` on itself: a failure there must count once, not twice. */
      async deliver(parts: string[]): Promise<void> {
        for (const part of parts) await this.send(part);
      },
    };
    const watched = reportingFailures(target, (error) => reported.push(error));
    expect(watched.limit).toBe(10);
    expect(await watched.send('ok')).toBe('sent ok');
    await expect(watched.send('bad')).rejects.toThrow('refused');
    await expect(watched.deliver(['ok', 'bad'])).rejects.toThrow('refused');
    expect(reported).toHaveLength(2);
  });
});

describe('a bridge tells the master of its chat platform errors', () => {
  let master: TestMaster | undefined;
  let telegram: TelegramStandIn | undefined;
  let bridge: ChatBridge | undefined;

  afterEach(async () => {
    await bridge?.stop();
    await master?.close();
    await telegram?.close();
    removeTempDirs();
  });

  it('counts a Telegram send that failed (403) in csc_chat_errors_total{platform="telegram"}', async () => {
    master = await startTestMaster();
    telegram = await TelegramStandIn.start();
    const chat = 2002;
    bridge = new ChatBridge({
      config: testBridgeConfig(master, { telegram: { botToken: telegram.token, parseMode: '', allowedChats: [String(chat)], apiRoot: telegram.apiRoot } }),
      version: 'test',
      createAdapter: platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 50 } }),
      log: silentLogger(),
    });
    bridge.start();
    const m = master;
    const errors = async () => (await Scrape.of(`${m.httpUrl}/metrics`, { authorization: `Bearer ${m.adminToken.value}` })).value('csc_chat_errors_total', { platform: 'telegram' });
    await waitFor(() => telegram?.calls.some((c) => c.method === 'getUpdates') && m.hub.listNodes().length === 0, 'the bridge to poll');
    expect(await errors()).toBe(0);

    telegram.failNext('sendMessage', { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    telegram.say({ chatId: chat, text: '/help' });
    await waitFor(() => telegram?.rejected.some((r) => r.method === 'sendMessage' && r.error_code === 403), 'the refused send');
    await waitFor(async () => (await errors()) === 1, 'the master to count the error', 10_000);
  });
});
