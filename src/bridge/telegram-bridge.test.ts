import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { CodexExecutor, Workspaces, type NodeWorker } from '../node/index.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

let standIn: ResponsesStandIn;
let home: CodexHome;
let driver: CodexDriver;
let master: TestMaster;
let worker: NodeWorker;
let telegram: TelegramStandIn;
let bridge: ChatBridge;

const CHAT = 1001;
const JOBS = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false };

function bridgeConfig() {
  return testBridgeConfig(master, { telegram: { botToken: telegram.token, parseMode: 'MarkdownV2', allowedChats: [String(CHAT), '-100200'], apiRoot: telegram.apiRoot } });
}

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env });
  await driver.start();
  master = await startTestMaster({ jobs: JOBS });
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() });
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
  telegram = await TelegramStandIn.start();
  bridge = new ChatBridge({
    config: bridgeConfig(),
    version: 'test',
    createAdapter: platformAdapters({ telegram: { perChatIntervalMs: 20, globalIntervalMs: 0, retryBaseMs: 100 } }),
    progressIntervalMs: 100,
    log: silentLogger(),
  });
  bridge.start();
  await waitFor(() => master.hub.listNodes().length === 1 && telegram.calls.some((c) => c.method === 'getUpdates'), 'the node and the bridge');
});
afterAll(async () => {
  await bridge.stop();
  await worker.agent.stop();
  await master.close();
  await driver.close();
  await standIn.close();
  await telegram.close();
  home.remove();
  removeTempDirs();
});

/** Waits for a bot message in `chat` whose text contains `text`. */
function reply(chat: number, text: string, timeoutMs = 15_000) {
  return waitFor(() => telegram.sentTo(chat).find((m) => m.text.includes(text)), `a reply with "${text}"`, timeoutMs);
}

/** Saves the dashboard's Telegram allow-list, then gives the bridge a moment to get the `bridge_config` frame. */
async function saveAllowedChats(allowedChats: string[] | null): Promise<void> {
  const saved = await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ telegram: { allowedChats } }) });
  expect(saved.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('csc bridge on Telegram (real master, node and codex)', () => {
  it('answers a message with one edited progress message, then the result and the job link', async () => {
    standIn.enqueue({ output: [assistantMessage('The word is PLUM.')] });
    const asked = telegram.say({ chatId: CHAT, text: 'remember the word plum.' });
    // The result is the message with the job link: the progress message may show the answer first.
    const result = await reply(CHAT, '(http://dash.test/jobs/');
    expect(result.text).toContain('The word is PLUM');
    const progress = telegram.sentTo(CHAT).find((m) => m.replyTo === asked && m !== result);
    expect(progress?.history[0]).toContain('Sending to Codex');
    expect(progress?.text).toMatch(/Job \\#\d+ succeeded on codex\\-node/);
    expect(result.replyTo).toBe(asked);
    expect(result.text).toMatch(/\(http:\/\/dash\.test\/jobs\/\d+\)/);
    expect(telegram.rejected).toEqual([]);
  });

  it('continues the Codex conversation when the thread goes on, and /new starts afresh', async () => {
    standIn.enqueue({ output: [assistantMessage('You asked about PLUM.')] });
    telegram.say({ chatId: CHAT, text: 'what word did I say?' });
    await reply(CHAT, 'You asked about PLUM');
    expect(JSON.stringify((standIn.requests.at(-1)?.body as { input?: unknown }).input)).toContain('The word is PLUM.');
    telegram.say({ chatId: CHAT, text: '/new' });
    await reply(CHAT, 'Fresh start');
    standIn.enqueue({ output: [assistantMessage('No idea.')] });
    telegram.say({ chatId: CHAT, text: 'what word did I say?' });
    await reply(CHAT, 'No idea');
    expect(JSON.stringify((standIn.requests.at(-1)?.body as { input?: unknown }).input)).not.toContain('The word is PLUM.');
  });

  it('stops a slow job on /cancel', async () => {
    standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const before = standIn.requests.length;
    telegram.say({ chatId: CHAT, text: 'take your time' });
    await waitFor(() => standIn.requests.length > before, 'the model request', 10_000);
    telegram.say({ chatId: CHAT, text: '/cancel' });
    await reply(CHAT, 'Cancelling job');
    const result = await reply(CHAT, 'cancelled in');
    expect(result.text).not.toContain('too late');
  });

  it('refuses a stranger with their chat id, and runs nothing', async () => {
    const jobsBefore = (await master.jobs.list({ limit: 100 })).length;
    telegram.say({ chatId: 555, userId: 777, text: 'rm -rf /' });
    const refused = await reply(555, 'Unauthorized');
    expect(refused.text).toContain('555');
    expect(refused.text).toContain('777');
    expect((await master.jobs.list({ limit: 100 })).length).toBe(jobsBefore);
  });

  it('waits out a 429 retry_after, answers in a forum topic, and lists nodes', async () => {
    telegram.failNext('sendMessage', { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const started = Date.now();
    telegram.say({ chatId: -100200, threadId: 7, text: '/nodes@csc_test_bot' });
    const answer = await reply(-100200, 'codex\\-node');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(answer.threadId).toBe(7);
    expect(telegram.rejected.filter((r) => r.error_code === 429)).toHaveLength(1);
  });

  it('splits an answer over 4096 characters', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Line ${i}: ${'x'.repeat(60)}.`).join('\n');
    standIn.enqueue({ output: [assistantMessage(long)] });
    telegram.say({ chatId: CHAT, text: '/new' });
    telegram.say({ chatId: CHAT, text: 'a long answer please' });
    await reply(CHAT, 'Line 119');
    const parts = telegram.sentTo(CHAT).filter((m) => m.text.includes('Line '));
    expect(parts.length).toBeGreaterThan(1);
    expect(telegram.rejected.filter((r) => r.error_code !== 429)).toEqual([]);
  });

  it('stops answering a chat its environment allows after a dashboard save of an empty list, and answers again after null', async () => {
    const group = -100200;
    const ask = (expected: string) => {
      const seen = telegram.sentTo(group).length;
      telegram.say({ chatId: group, text: '/nodes' });
      return waitFor(() => telegram.sentTo(group).slice(seen).find((m) => m.text.includes(expected)), `a reply with "${expected}"`);
    };
    await saveAllowedChats([]);
    expect((await ask('Unauthorized')).text).toContain('100200');
    await saveAllowedChats(null);
    await ask('codex\\-node');
  });

  it('survives a master restart: a message sent while it is down is answered once it is back', async () => {
    const { port } = master.ws;
    const { dataDir } = master.config;
    await master.close();
    standIn.enqueue({ output: [assistantMessage('Back in business.')] });
    telegram.say({ chatId: CHAT, text: 'are you there?' });
    await reply(CHAT, 'Sending to Codex');
    master = await startTestMaster({ port, dataDir, jobs: JOBS });
    await reply(CHAT, 'Back in business', 20_000);
  });
});
