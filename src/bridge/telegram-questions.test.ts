import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { CodexExecutor, Workspaces, type NodeWorker } from '../node/index.js';
import type { JobEvent } from '../protocol/index.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome, escalatedCommandCall } from '../test-support/responses-stand-in.js';
import { TelegramStandIn, type BotMessage } from '../test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

let model: ResponsesStandIn;
let home: CodexHome;
let driver: CodexDriver;
let master: TestMaster;
let worker: NodeWorker;
let telegram: TelegramStandIn;
let bridge: ChatBridge;

const CHAT = 2002;
const USER = 31;
const JOBS = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false };

beforeAll(async () => {
  model = await ResponsesStandIn.start();
  home = writeCodexHome(model.baseUrl);
  // Chat jobs carry no profile: the node's Codex settings decide that Codex asks.
  driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env, configOverrides: { approval_policy: 'on-request', sandbox_mode: 'workspace-write' } });
  await driver.start();
  master = await startTestMaster({ jobs: JOBS });
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() });
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
  telegram = await TelegramStandIn.start();
  const config = testBridgeConfig(master, { telegram: { botToken: telegram.token, parseMode: 'MarkdownV2', allowedChats: [String(CHAT)], apiRoot: telegram.apiRoot } });
  bridge = new ChatBridge({ config, version: 'test', createAdapter: platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 100 } }), progressIntervalMs: 100, log: silentLogger() });
  bridge.start();
  await waitFor(() => master.hub.listNodes().length === 1 && telegram.calls.some((c) => c.method === 'getUpdates'), 'the node and the bridge');
});
afterAll(async () => {
  await bridge.stop();
  await worker.agent.stop();
  await master.close();
  await driver.close();
  await model.close();
  await telegram.close();
  home.remove();
  removeTempDirs();
});

/** Asks for a command outside the sandbox; resolves with the question's message and the job's id. */
async function askToRun(cmd: string): Promise<{ question: BotMessage; jobId: number }> {
  model.enqueue({ output: [escalatedCommandCall(cmd, 'needs to leave the sandbox')] }, { output: [assistantMessage('Done with it.')] });
  const before = telegram.sentTo(CHAT).length;
  telegram.say({ chatId: CHAT, userId: USER, text: `run ${cmd}` });
  const question = await waitFor(() => telegram.sentTo(CHAT).slice(before).find((m) => m.buttons !== undefined), 'the question with its buttons', 20_000);
  const jobId = Number(/Job \\#(\d+)/.exec(question.text)?.[1]);
  return { question, jobId };
}

function press(question: BotMessage, label: string, userId = USER): string {
  const data = question.buttons?.flat().find((b) => b.text === label)?.callback_data;
  if (data === undefined) throw new Error(`no button "${label}"`);
  return telegram.press({ chatId: CHAT, messageId: question.messageId, userId, data });
}

const callbackAnswer = (query: string) => waitFor(() => telegram.callbackAnswers.find((a) => a.queryId === query), 'the answer to the press');
const events = async (jobId: number): Promise<JobEvent[]> => (await master.jobs.events(jobId, 0, 1000)).map((e) => e.event);
const result = (jobId: number) => waitFor(() => telegram.sentTo(CHAT).find((m) => m.text.includes(`Job \\#${jobId} succeeded in`)), 'the result', 20_000);

describe('Codex asks through Telegram (real master, node and codex on-request)', () => {
  it('Approve once: the master hears it, Codex runs the command, and the message says who approved', { timeout: 40_000 }, async () => {
    const { question, jobId } = await askToRun('echo approved-output');
    expect(question.text).toContain('asks to run a command');
    expect(question.text).toContain('Reason: needs to leave the sandbox');
    expect(question.buttons?.flat().map((b) => b.callback_data)).toContain(`q|${jobId}|a1q1|a`);
    const query = press(question, 'Approve once');
    expect((await callbackAnswer(query)).text).toMatch(/^Approved/);
    await waitFor(() => question.text.includes('Approved once by june') || undefined, 'the question message edited');
    expect(question.text).toMatch(/✅ Approved once by june \\\(Telegram\\\) at \d\d:\d\d:\d\d UTC/);
    expect(question.buttons).toBeUndefined();
    await result(jobId);
    const log = (await events(jobId));
    expect(log).toContainEqual(expect.objectContaining({ kind: 'answer', questionId: 'a1q1', answer: { decision: 'accept' }, by: expect.objectContaining({ via: 'telegram', userId: String(USER), name: 'june' }) as unknown }));
    const ran = log.find((e) => e.kind === 'command_finished');
    expect(ran?.kind === 'command_finished' && ran.output).toContain('approved-output');
    expect(telegram.rejected).toEqual([]);
  });

  it('a press from a chat no longer allowed changes nothing; an answer from the dashboard shows in the chat', { timeout: 40_000 }, async () => {
    const { question, jobId } = await askToRun('echo never-output');
    await saveAllowedChats([]);
    const refused = press(question, 'Approve once');
    expect((await callbackAnswer(refused)).text).toBe(`You may not answer Codex's questions here (your user id: ${USER}).`);
    expect((await master.jobs.get(jobId)).questions?.[0]?.status).toBe('pending');
    await saveAllowedChats(null);
    const denied = await master.api(`/api/jobs/${jobId}/questions/a1q1`, { method: 'POST', body: JSON.stringify({ decision: 'decline', text: 'not this one', via: 'dashboard' }) });
    expect(denied.status).toBe(200);
    await waitFor(() => question.text.includes('Denied') || undefined, 'the question message edited');
    expect(question.text).toContain('🛑 Denied: "not this one" by admin \\(the dashboard\\)');
    expect(question.buttons).toBeUndefined();
    await result(jobId);
    expect((await events(jobId))).toContainEqual(expect.objectContaining({ kind: 'approval_request', decision: 'decline' }));
    expect((await events(jobId)).find((e) => e.kind === 'command_finished')).toMatchObject({ exitCode: null, output: '' });
  });

  it('two members press at once: the first answer wins and the second is told so', { timeout: 40_000 }, async () => {
    const { question, jobId } = await askToRun('echo twice-output');
    const first = press(question, 'Deny');
    const second = press(question, 'Approve once', USER + 1);
    expect((await callbackAnswer(first)).text).toMatch(/^Denied/);
    expect((await callbackAnswer(second)).text).toMatch(/already decided/i);
    await waitFor(() => question.text.includes('Denied by june') || undefined, 'the question message edited');
    await result(jobId);
    expect((await events(jobId)).filter((e) => e.kind === 'answer')).toMatchObject([{ answer: { decision: 'decline' } }]);
    expect((await events(jobId))).toContainEqual(expect.objectContaining({ kind: 'approval_request', decision: 'decline' }));
    expect((await events(jobId)).find((e) => e.kind === 'command_finished')).toMatchObject({ exitCode: null, output: '' });
  });

  it('a master restart while the question waits: the chat keeps its one question, and the answer still reaches Codex', { timeout: 60_000 }, async () => {
    const { question, jobId } = await askToRun('echo after-restart-output');
    const { port } = master.ws;
    const { dataDir } = master.config;
    await master.close();
    master = await startTestMaster({ port, dataDir, jobs: JOBS });
    await waitFor(() => master.hub.listNodes().length === 1 || undefined, 'the node back', 20_000);
    const query = press(question, 'Approve once');
    expect((await callbackAnswer(query)).text).toMatch(/^Approved/);
    await result(jobId);
    const ran = (await events(jobId)).find((e) => e.kind === 'command_finished');
    expect(ran?.kind === 'command_finished' && ran.output).toContain('after-restart-output');
    expect(telegram.sentTo(CHAT).filter((m) => m.text.includes(`Job \\#${jobId} asks`))).toHaveLength(1);
    expect(question.text).toContain('Approved once by june');
  });
});

/** Saves the dashboard's Telegram allow-list and waits until the bridge refuses or accepts accordingly. */
async function saveAllowedChats(allowedChats: string[] | null): Promise<void> {
  const saved = await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ telegram: { allowedChats } }) });
  expect(saved.status).toBe(200);
  const want = allowedChats === null ? 'Nodes' : 'Unauthorized';
  await waitFor(
    () => {
      const seen = telegram.sentTo(CHAT).length;
      telegram.say({ chatId: CHAT, userId: USER, text: '/nodes' });
      return waitFor(() => telegram.sentTo(CHAT).slice(seen).find((m) => m.text.includes('Nodes') || m.text.includes('Unauthorized')), 'an answer to /nodes').then((m) => (m.text.includes(want) ? m : undefined));
    },
    `the bridge to apply the allow-list ${JSON.stringify(allowedChats)}`,
  );
}
