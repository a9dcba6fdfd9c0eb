import type { Update } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLimitedBot, RateLimiter } from '../bridge/telegram/index.js';
import { captureLog, type LogLine } from '../test-support/log-capture.js';
import { TelegramStandIn, type TelegramCall } from '../test-support/telegram-stand-in.js';
import { waitFor } from '../test-support/wait.js';
import { Poller, type PollEnd, type PollingSettings } from './poller.js';

const SETTINGS: PollingSettings = { poll_timeout: 1, loop_sleep_sec: 0, delete_webhook_on_start: true, drop_pending_updates: false, ignore_pending_updates_on_start: false };

interface Started {
  poller: Poller;
  end: Promise<PollEnd>;
  /** The text of each update delivered, in order. */
  texts: string[];
  lines: LogLine[];
}

let telegram: TelegramStandIn;
let started: Started[];

/**
 * The runner's grammY bot (its auto-retry included, which must not take over the poller's retries)
 * on the stand-in, polled by a `Poller` with these settings.
 */
function startPoller(settings: Partial<PollingSettings> = {}, token = telegram.token): Started {
  const bot = createLimitedBot(token, telegram.apiRoot, new RateLimiter(0, 34));
  const texts: string[] = [];
  const { log, lines } = captureLog();
  const poller = new Poller(bot, { ...SETTINGS, ...settings }, (update: Update) => texts.push(update.message?.text ?? '?'), log, telegram.apiRoot);
  const one = { poller, end: poller.run(), texts, lines };
  started.push(one);
  return one;
}

const polls = (): TelegramCall[] => telegram.calls.filter((c) => c.method === 'getUpdates');
const gaps = (calls: TelegramCall[]): number[] => calls.slice(1).map((c, i) => c.at - (calls[i] as TelegramCall).at);
const retries = (lines: LogLine[]): unknown[] => lines.filter((l) => l.msg === 'telegram polling failed; retrying').map((l) => l.retryInMs);

beforeEach(async () => {
  telegram = await TelegramStandIn.start();
  started = [];
});
afterEach(async () => {
  for (const one of started) await one.poller.stop();
  await Promise.all(started.map((one) => one.end));
  await telegram.close();
});

describe('Poller on the Telegram stand-in (real grammY)', () => {
  it('delete_webhook_on_start = false sends no deleteWebhook, and the backlog is delivered', async () => {
    telegram.say({ chatId: 1, text: 'backlog' });
    const one = startPoller({ delete_webhook_on_start: false });
    await waitFor(() => one.texts.length === 1, 'the backlog');
    expect(one.texts).toEqual(['backlog']);
    expect(telegram.calls.map((c) => c.method)).not.toContain('deleteWebhook');
  });

  it.each([true, false])('delete_webhook_on_start with drop_pending_updates = %s passes the flag, and dropping really drops', async (drop) => {
    telegram.say({ chatId: 1, text: 'backlog' });
    const one = startPoller({ drop_pending_updates: drop });
    await waitFor(() => polls().length >= 1, 'the first poll');
    telegram.say({ chatId: 1, text: 'fresh' });
    await waitFor(() => one.texts.includes('fresh'), 'the fresh update');
    expect(telegram.calls.filter((c) => c.method === 'deleteWebhook').map((c) => c.payload)).toEqual([{ drop_pending_updates: drop }]);
    expect(one.texts).toEqual(drop ? ['fresh'] : ['backlog', 'fresh']);
  });

  it('asks getUpdates to wait poll_timeout seconds, and polls again when that ran out', async () => {
    startPoller({ poll_timeout: 1 });
    await waitFor(() => polls().length >= 2, 'two polls');
    expect(polls().slice(0, 2).map((c) => c.payload.timeout)).toEqual([1, 1]);
    expect(gaps(polls())[0]).toBeGreaterThanOrEqual(990);
  });

  it('sleeps loop_sleep_sec after an empty poll', async () => {
    startPoller({ poll_timeout: 0, loop_sleep_sec: 0.3 });
    await waitFor(() => polls().length >= 3, 'three polls');
    expect(polls()[0]?.payload.timeout).toBe(0);
    for (const gap of gaps(polls().slice(0, 3))) expect(gap).toBeGreaterThanOrEqual(295);
  });

  it('backs off and retries after a closed connection and 5xx answers, at start too, then delivers', async () => {
    telegram.failNext('getMe', { ok: false, error_code: 502, description: 'Bad Gateway' });
    const one = startPoller();
    await waitFor(() => polls().length >= 1, 'the first poll');
    telegram.hangUpNext('getUpdates');
    telegram.failNext('getUpdates', { ok: false, error_code: 500, description: 'Internal Server Error' });
    telegram.failNext('getUpdates', { ok: false, error_code: 502, description: 'Bad Gateway' });
    const before = polls().length;
    telegram.say({ chatId: 1, text: 'first' });
    await waitFor(() => one.texts.length === 1, 'the first update');
    telegram.say({ chatId: 1, text: 'after the failures' });
    await waitFor(() => one.texts.length === 2, 'the update after the failures', 5000);
    // The getMe failure, then the hang-up and the two 5xx: the delay doubles from 100 ms, and resets once a poll works.
    expect(retries(one.lines)).toEqual([100, 100, 200, 400]);
    const [hangUp, first5xx, second5xx] = gaps(polls().slice(before, before + 4));
    expect(hangUp).toBeGreaterThanOrEqual(95);
    expect(first5xx).toBeGreaterThanOrEqual(195);
    expect(second5xx).toBeGreaterThanOrEqual(395);
  });

  it('backs off while connections are refused, then recovers', async () => {
    const one = startPoller();
    await waitFor(() => polls().length >= 1, 'the first poll');
    await telegram.refuseConnections();
    await waitFor(() => retries(one.lines).length >= 3, 'three failed polls');
    await telegram.acceptConnections();
    telegram.say({ chatId: 1, text: 'back again' });
    await waitFor(() => one.texts.includes('back again'), 'the update after the outage', 5000);
    expect(retries(one.lines).slice(0, 3)).toEqual([100, 200, 400]);
    expect(one.lines.find((l) => l.msg === 'telegram polling failed; retrying')?.err).toMatch(/getUpdates/);
  });

  it("waits Telegram's retry_after on a 429", async () => {
    startPoller();
    await waitFor(() => polls().length >= 1, 'the first poll');
    telegram.failNext('getUpdates', { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const before = polls().length;
    telegram.say({ chatId: 1, text: 'wake up' });
    await waitFor(() => polls().length >= before + 2, 'the poll after the 429');
    expect(gaps(polls().slice(before, before + 2))[0]).toBeGreaterThanOrEqual(990);
  });

  it('ends with a clear message on 401, at start or later', async () => {
    const refused = await startPoller({}, '999:not-the-token').end;
    expect(refused).toEqual({ reason: 'fatal', message: expect.stringMatching(/401 Unauthorized.*check the token/) as unknown });
    const later = startPoller();
    await waitFor(() => polls().length >= 1, 'the first poll');
    telegram.failNext('getUpdates', { ok: false, error_code: 401, description: 'Unauthorized' });
    telegram.say({ chatId: 1, text: 'wake up' });
    expect(await later.end).toMatchObject({ reason: 'fatal', message: expect.stringContaining('401') as unknown });
  });

  it('ends with a clear message on 409 (another poller)', async () => {
    telegram.failNext('getUpdates', { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' });
    const end = await startPoller().end;
    expect(end).toEqual({ reason: 'fatal', message: expect.stringMatching(/409 Conflict.*stop the other/) as unknown });
  });

  it('confirms the offset on stop, so a new poller does not get handled updates again', async () => {
    const one = startPoller();
    telegram.say({ chatId: 1, text: 'handled' });
    await waitFor(() => one.texts.length === 1, 'the update');
    await one.poller.stop();
    await one.end;
    const next = startPoller();
    await waitFor(() => polls().length >= 3, 'the new poller polling');
    telegram.say({ chatId: 1, text: 'new' });
    await waitFor(() => next.texts.length === 1, 'the new update');
    expect(next.texts).toEqual(['new']);
  });
});
