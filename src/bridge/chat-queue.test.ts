import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import type { Executor, NodeWorker, RunContext } from '../node/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';
import { SLACK_BOT_USER, SlackStandIn } from '../test-support/slack-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

/** Jobs run until the test lets them finish (or they are cancelled): the test decides when a thread is busy. */
class GatedExecutor implements Executor {
  readonly name = 'gated';
  private readonly started = new Map<string, { job: JobSpec; finish: () => void }>();

  run(job: JobSpec, { signal }: RunContext): Promise<JobResult> {
    return new Promise((resolve) => {
      const end = (status: 'succeeded' | 'cancelled') => resolve({ status, finalMessage: `Answer to ${job.prompt}.`, filesChanged: [], commands: [], durationMs: 1 });
      this.started.set(job.prompt, { job, finish: () => end('succeeded') });
      signal.addEventListener('abort', () => end('cancelled'), { once: true });
    });
  }

  /** The job running for `prompt`, once the node has it. */
  running(prompt: string): Promise<JobSpec> {
    return waitFor(() => this.started.get(prompt)?.job, `the job for "${prompt}" to run`, 10_000);
  }

  async finish(prompt: string): Promise<void> {
    const started = await waitFor(() => this.started.get(prompt), `the job for "${prompt}" to run`, 10_000);
    started.finish();
  }
}

const CHAT = 2002;
let master: TestMaster;
let gated: GatedExecutor;
let worker: NodeWorker;
let telegram: TelegramStandIn;
let slack: SlackStandIn;
let bridge: ChatBridge;

beforeAll(async () => {
  master = await startTestMaster();
  gated = new GatedExecutor();
  // Two slots: only the bridge keeps a thread's jobs from running side by side.
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'gated-node', executor: gated, slots: 2 });
  telegram = await TelegramStandIn.start();
  slack = await SlackStandIn.start();
  const config = testBridgeConfig(master, {
    telegram: { botToken: telegram.token, parseMode: 'MarkdownV2', allowedChats: [String(CHAT)], apiRoot: telegram.apiRoot },
    slack: { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: 'C1', allowedChannels: ['C1'], allowedUsers: [], apiUrl: slack.apiUrl },
  });
  const createAdapter = platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 100 }, slack: { retries: 0, retryBaseMs: 100 } });
  bridge = new ChatBridge({ config, version: 'test', createAdapter, progressIntervalMs: 50, log: silentLogger() });
  bridge.start();
  await waitFor(() => master.hub.listNodes().length === 1 && telegram.calls.some((c) => c.method === 'getUpdates') && slack.sockets.length === 1, 'the node and the bridge');
  await waitFor(() => slack.calls.filter((c) => c.method === 'auth.test').length >= 2, 'the Slack bot identity');
});
afterAll(async () => {
  await bridge.stop();
  await worker.agent.stop();
  await master.close();
  await telegram.close();
  await slack.close();
  removeTempDirs();
});

/** A bot message in the chat whose text contains `text`. */
function reply(text: string) {
  return waitFor(() => telegram.sentTo(CHAT).find((m) => m.text.includes(text)), `a reply with "${text}"`, 10_000);
}

/** The bot's answer to the message `asked`, once it contains `text` (it may be edited into it). */
function answer(asked: number, text: string) {
  return waitFor(() => telegram.sentTo(CHAT).find((m) => m.replyTo === asked && m.text.includes(text)), `an answer with "${text}"`, 10_000);
}

async function jobOf(prompt: string) {
  return (await master.jobs.list({ limit: 100 })).find((job) => job.prompt === prompt);
}

describe('one job at a time per chat thread (bridge, real master and node)', () => {
  it('two messages in the same tick: the second waits behind the first, says so, and then continues its conversation', async () => {
    telegram.say({ chatId: CHAT, text: 'first' });
    const second = telegram.say({ chatId: CHAT, text: 'second' });
    const notice = await answer(second, 'Queued behind the request before it');
    const first = await gated.running('first');
    expect(await jobOf('second')).toBeUndefined();
    await gated.finish('first');
    const next = await gated.running('second');
    expect((await jobOf('first'))?.status).toBe('succeeded');
    expect((await jobOf('second'))?.continueFrom).toBe(first.id);
    // The notice became the second job's progress message.
    await answer(second, `Job \\#${next.id}`);
    expect(notice.history.some((text) => text.includes('Sending to Codex'))).toBe(true);
    await gated.finish('second');
    await answer(second, 'Answer to second');
  });

  it('queues behind the running job by its number, holds at most 5, shows them in /status, and /cancel drops them', async () => {
    const busy = telegram.say({ chatId: CHAT, text: 'busy' });
    const { id } = await gated.running('busy');
    const waiting = [1, 2, 3, 4, 5].map((n) => telegram.say({ chatId: CHAT, text: `waiting ${n}` }));
    await answer(waiting[0] ?? 0, `Queued behind job \\#${id}; it starts once that has finished`);
    await answer(waiting[4] ?? 0, `Queued behind job \\#${id} and 4 other requests`);
    const refused = telegram.say({ chatId: CHAT, text: 'one too many' });
    await answer(refused, `This thread already has 5 requests waiting behind job \\#${id}`);
    telegram.say({ chatId: CHAT, text: '/status' });
    await reply(`This thread: job \\#${id} running, 5 requests waiting behind it`);
    telegram.say({ chatId: CHAT, text: '/cancel' });
    await reply(`Cancelling job \\#${id}… Dropped the 5 requests waiting behind it`);
    await answer(busy, `Job \\#${id} cancelled`);
    for (const asked of waiting) await answer(asked, 'Not run: /cancel dropped this request');
    const prompts = (await master.jobs.list({ limit: 100 })).map((job) => job.prompt);
    expect(prompts.filter((prompt) => prompt.startsWith('waiting') || prompt === 'one too many')).toEqual([]);
  });

  it('/new while a request waits: the waiting request starts the fresh conversation', async () => {
    telegram.say({ chatId: CHAT, text: 'before new' });
    await gated.running('before new');
    const after = telegram.say({ chatId: CHAT, text: 'after new' });
    await answer(after, 'Queued behind job');
    telegram.say({ chatId: CHAT, text: '/new' });
    await reply('Fresh start: the next request begins a new Codex conversation\\. The request waiting in this thread starts it\\.');
    await gated.finish('before new');
    await gated.running('after new');
    expect((await jobOf('after new'))?.continueFrom).toBeUndefined();
    await gated.finish('after new');
    await answer(after, 'Answer to after new');
  });

  it('does the same in a Slack thread', async () => {
    const root = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'U1', text: `<@${SLACK_BOT_USER}> slack first`, ts: root });
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'U1', text: `<@${SLACK_BOT_USER}> slack second`, ts: slack.nextTs(), thread_ts: root });
    const inThread = (text: string) => waitFor(() => slack.posted.find((p) => p.threadTs === root && p.text.includes(text)), `"${text}" in the thread`, 10_000);
    await inThread('Queued behind the request before it');
    const first = await gated.running('slack first');
    expect(await jobOf('slack second')).toBeUndefined();
    await gated.finish('slack first');
    await gated.running('slack second');
    expect((await jobOf('slack second'))?.continueFrom).toBe(first.id);
    await gated.finish('slack second');
    await inThread('Answer to slack second');
  });
});
