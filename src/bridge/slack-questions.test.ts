import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { CodexExecutor, Workspaces, type NodeWorker } from '../node/index.js';
import { applyPatchCall, assistantMessage, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { SLACK_BOT_USER, SlackStandIn, type SlackPosted, type SlackPresser } from '../test-support/slack-stand-in.js';
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
let slack: SlackStandIn;
let bridge: ChatBridge;

const ALICE: SlackPresser = { id: 'U1', name: 'alice' };
const BOB: SlackPresser = { id: 'U3', name: 'bob' };
const STRANGER: SlackPresser = { id: 'U2', name: 'mallory' };

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  // Chat jobs carry no profile: the node's Codex config decides, and this one asks.
  const config = join(home.dir, 'config.toml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('approval_policy = "never"', 'approval_policy = "on-request"'));
  mkdirSync(join(home.dir, 'outside'), { recursive: true });
  driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env });
  await driver.start();
  master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 120, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false } });
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() });
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
  slack = await SlackStandIn.start();
  // C1 is open to everyone in it; elsewhere only alice may use the bot.
  const slackSettings = { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: '', allowedChannels: ['C1'], allowedUsers: [ALICE.id], apiUrl: slack.apiUrl };
  bridge = new ChatBridge({ config: testBridgeConfig(master, { slack: slackSettings }), version: 'test', createAdapter: platformAdapters({ slack: { retries: 0, retryBaseMs: 100 } }), progressIntervalMs: 100, log: silentLogger() });
  bridge.start();
  await waitFor(() => slack.sockets.length === 1 && master.hub.listNodes().length === 1, 'slack, the node and the bridge');
  // Bolt's own auth.test comes first; ours follows once the socket is up.
  await waitFor(() => slack.calls.filter((c) => c.method === 'auth.test').length >= 2, 'the bot identity');
});
afterAll(async () => {
  await bridge.stop();
  await worker.agent.stop();
  await master.close();
  await driver.close();
  await standIn.close();
  await slack.close();
  home.remove();
  removeTempDirs();
});

/**
 * `user` asks in `channel` for a file outside every writable root, which makes Codex ask; resolves
 * with the thread, the question's message (once its buttons are there) and the file.
 */
async function askForPatch(channel: string, user: SlackPresser, name: string) {
  const target = join(home.dir, 'outside', name);
  const patch = applyPatchCall(`*** Begin Patch\n*** Add File: ${target}\n+written\n*** End Patch\n`);
  standIn.enqueue({ output: [patch] }, { output: [assistantMessage(`Done with ${name}.`)] });
  const ts = slack.nextTs();
  slack.sendEvent({ type: 'app_mention', channel, channel_type: 'channel', user: user.id, text: `<@${SLACK_BOT_USER}> write ${name} outside`, ts });
  const question = await waitFor(() => slack.posted.find((p) => p.threadTs === ts && p.blocks.some((b) => b.type === 'actions')), `the question of ${name} with its buttons`, 30_000);
  const job = await waitFor(async () => (await master.jobs.list({ limit: 50 })).find((j) => j.prompt === `write ${name} outside`), `the job of ${name}`);
  return { ts, question, target, jobId: job.id, callId: String(patch.item.call_id) };
}

function labels(message: SlackPosted): string[] {
  return message.blocks.flatMap((b) => b.elements ?? []).map((e) => e.text?.text ?? '');
}

function result(ts: string) {
  return waitFor(() => slack.posted.find((p) => p.threadTs === ts && p.text.includes('succeeded in')), `the result in thread ${ts}`, 30_000);
}

/** The ephemeral message `user` got in the thread. */
function toldTo(user: SlackPresser, ts: string) {
  return waitFor(() => slack.ephemeral.find((e) => e.user === user.id && e.threadTs === ts), `what ${user.name ?? user.id} was told in ${ts}`, 10_000);
}

describe('Codex questions on Slack (real codex on-request, master, node; Slack stand-in)', () => {
  it('asks in the thread with buttons; a Deny press reaches Codex, which is told, and the message then says who decided', async () => {
    const { ts, question, target, jobId, callId } = await askForPatch('C1', ALICE, 'denied.txt');
    expect(question.text).toContain(`Job #${jobId} asks to change 1 file`);
    expect(question.text).toContain('denied.txt');
    expect(labels(question)).toEqual(expect.arrayContaining(['Approve once', 'Deny']));
    expect((await master.jobs.get(jobId)).questions).toMatchObject([{ status: 'pending', question: { kind: 'file_change' } }]);

    const envelope = slack.press(question, 'Deny', ALICE);
    await waitFor(() => slack.acked.has(envelope), 'the ack of the press');
    expect((await toldTo(ALICE, ts)).text).not.toMatch(/already decided/i);
    expect((await result(ts)).text).toContain('Done with denied.txt');

    expect(existsSync(target)).toBe(false);
    // Codex told the model that its patch was refused.
    const input = (standIn.requests.at(-1)?.body as { input?: { type: string; call_id?: string; output?: unknown }[] }).input ?? [];
    expect(input.find((item) => item.type === 'custom_tool_call_output' && item.call_id === callId)?.output).toBe('patch rejected by user');
    expect((await master.jobs.get(jobId)).questions).toMatchObject([{ status: 'answered', answer: { decision: 'decline' }, by: { via: 'slack', userId: 'U1', name: 'alice' } }]);
    await waitFor(() => question.blocks.length === 0 || undefined, 'the buttons to go');
    expect(question.text).toMatch(/Denied by alice \(Slack\) at \d\d:\d\d:\d\d UTC/);
  });

  it('refuses a stranger’s press and changes nothing; the allowed user’s Approve then writes the file', async () => {
    const { ts, question, target, jobId } = await askForPatch('C3', ALICE, 'approved.txt');
    slack.press(question, 'Approve once', STRANGER);
    expect((await toldTo(STRANGER, ts)).text).toContain('You may not answer');
    expect((await master.jobs.get(jobId)).questions).toMatchObject([{ status: 'pending' }]);
    expect(labels(question)).toContain('Approve once');

    slack.press(question, 'Approve once', ALICE);
    await toldTo(ALICE, ts);
    await result(ts);
    expect(readFileSync(target, 'utf8')).toBe('written\n');
    expect((await master.jobs.get(jobId)).questions).toMatchObject([{ status: 'answered', answer: { decision: 'accept' }, by: { via: 'slack', userId: 'U1' } }]);
    await waitFor(() => question.blocks.length === 0 || undefined, 'the buttons to go');
    expect(question.text).toMatch(/Approved once by alice \(Slack\)/);
  });

  it('lets the first of two presses at once win and tells the other it was already decided', async () => {
    const { ts, question, target, jobId } = await askForPatch('C1', ALICE, 'raced.txt');
    slack.press(question, 'Deny', ALICE);
    slack.press(question, 'Approve once', BOB);
    const [alice, bob] = await Promise.all([toldTo(ALICE, ts), toldTo(BOB, ts)]);
    await result(ts);
    const state = (await master.jobs.get(jobId)).questions?.[0];
    const winner = state?.by?.userId;
    expect([ALICE.id, BOB.id]).toContain(winner);
    expect((winner === ALICE.id ? bob : alice).text).toMatch(/already decided/i);
    expect((winner === ALICE.id ? alice : bob).text).not.toMatch(/already decided/i);
    expect(existsSync(target)).toBe(winner === BOB.id);
  });
});
