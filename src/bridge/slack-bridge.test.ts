import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import type { NodeWorker } from '../node/index.js';
import { SLACK_BOT_USER, SlackStandIn } from '../test-support/slack-stand-in.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { TestClient } from '../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

let master: TestMaster;
let worker: NodeWorker;
let slack: SlackStandIn;
let bridge: ChatBridge;

beforeAll(async () => {
  master = await startTestMaster();
  worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'echo-node' });
  slack = await SlackStandIn.start();
  const config = testBridgeConfig(master, {
    slack: { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: 'CDEFAULT', allowedChannels: ['C1'], allowedUsers: [], apiUrl: slack.apiUrl },
  });
  bridge = new ChatBridge({ config, version: 'test', createAdapter: platformAdapters({ slack: { retries: 0, retryBaseMs: 100 } }), progressIntervalMs: 100, log: silentLogger() });
  bridge.start();
  await waitFor(() => slack.calls.some((c) => c.method === 'auth.test') && slack.sockets.length === 1 && master.hub.listNodes().length === 1, 'slack, the node and the bridge');
  // Bolt's own auth.test comes first; ours follows once the socket is up.
  await waitFor(() => slack.calls.filter((c) => c.method === 'auth.test').length >= 2, 'the bot identity');
});
afterAll(async () => {
  await bridge.stop();
  await worker.agent.stop();
  await master.close();
  await slack.close();
  removeTempDirs();
});

function inThread(threadTs: string, text: string) {
  return waitFor(() => slack.posted.find((p) => p.threadTs === threadTs && p.text.includes(text)), `"${text}" in thread ${threadTs}`, 10_000);
}

/** Saves the dashboard's Slack allow-lists, then gives the bridge a moment to get the `bridge_config` frame. */
async function saveAllowLists(lists: { allowedChannels: string[] | null; allowedUsers: string[] | null }): Promise<void> {
  const saved = await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ slack: lists }) });
  expect(saved.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('csc bridge on Slack (Socket Mode stand-in, real master and node)', () => {
  it('handles an @mention once, acks its envelopes, and answers with progress and result in its thread', async () => {
    const ts = slack.nextTs();
    const event = { channel: 'C1', channel_type: 'channel', user: 'U1', text: `<@${SLACK_BOT_USER}> say hello`, ts };
    const envelopes = [slack.sendEvent({ type: 'message', ...event }), slack.sendEvent({ type: 'app_mention', ...event })];
    const result = await inThread(ts, 'succeeded in');
    const progress = slack.posted.find((p) => p.threadTs === ts && p.history[0]?.includes('Sending to Codex'));
    expect(progress?.text).toContain('Job #');
    expect(result.text).toContain('<http://dash.test/jobs/');
    expect((await master.jobs.list({ limit: 10 })).filter((j) => j.prompt === 'say hello')).toHaveLength(1);
    await waitFor(() => envelopes.every((id) => slack.acked.has(id)), 'the acks');
  });

  it('continues the conversation in the thread without a mention, and ignores its own messages', async () => {
    const root = slack.posted.find((p) => p.text.includes('succeeded in'))?.threadTs ?? '';
    const first = (await master.jobs.list({ limit: 10 })).find((j) => j.prompt === 'say hello');
    slack.sendEvent({ type: 'message', channel: 'C1', user: SLACK_BOT_USER, text: 'my own words', ts: slack.nextTs(), thread_ts: root });
    slack.sendEvent({ type: 'message', channel: 'C1', bot_id: 'BOTHER', user: 'U2', text: 'another bot', ts: slack.nextTs(), thread_ts: root });
    slack.sendEvent({ type: 'message', channel: 'C1', user: 'U1', text: 'and again', ts: slack.nextTs(), thread_ts: root });
    await waitFor(() => slack.posted.filter((p) => p.threadTs === root && p.text.includes('succeeded in')).length === 2, 'the second result', 10_000);
    const prompts = (await master.jobs.list({ limit: 10 })).map((j) => j.prompt);
    expect(prompts).not.toContain('my own words');
    expect(prompts).not.toContain('another bot');
    expect((await master.jobs.list({ limit: 10 })).find((j) => j.prompt === 'and again')?.continueFrom).toBe(first?.id);
  });

  it('reconnects on refresh_requested and keeps handling events', async () => {
    slack.requestRefresh();
    await waitFor(() => slack.sockets.length === 2 && slack.sockets[1]?.readyState === 1, 'the new socket', 10_000);
    const ts = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'U1', text: `<@${SLACK_BOT_USER}> /nodes`, ts });
    await inThread(ts, 'echo-node');
  });

  it('applies allow-lists saved in the dashboard to the running bridge', async () => {
    const ts = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C2', user: 'U99', text: `<@${SLACK_BOT_USER}> /nodes`, ts });
    expect((await inThread(ts, 'Unauthorized')).text).toContain('U99');
    await saveAllowLists({ allowedChannels: null, allowedUsers: ['U99'] });
    const again = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C2', user: 'U99', text: `<@${SLACK_BOT_USER}> /nodes`, ts: again });
    await inThread(again, 'echo-node');
  });

  it('stops answering a channel its environment allows after a dashboard save of empty lists, and answers again after null', async () => {
    const ask = async (expected: string) => {
      const ts = slack.nextTs();
      slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'U1', text: `<@${SLACK_BOT_USER}> /nodes`, ts });
      return inThread(ts, expected);
    };
    await saveAllowLists({ allowedChannels: [], allowedUsers: [] });
    expect((await ask('Unauthorized')).text).toContain('C1');
    await saveAllowLists({ allowedChannels: null, allowedUsers: null });
    await ask('echo-node');
  });

  it('delivers a response frame from a bridge credential to its thread, broadcast, or to the default channel', async () => {
    // Answering into chats takes a bridge credential: a node's response frames are refused.
    const answerer = await TestClient.node(master.wsUrl, master.bridgeToken.value, { role: 'bridge', name: 'answerer' });
    answerer.sendJson({ type: 'response', target: { platform: 'slack', channel: 'C1', thread_ts: '1.5' }, text: 'deployed', broadcast: true });
    answerer.sendJson({ type: 'response', target: { platform: 'slack' }, text: 'to the default' });
    await waitFor(() => slack.posted.find((p) => p.text === 'deployed' && p.threadTs === '1.5' && p.broadcast), 'the broadcast reply');
    await waitFor(() => slack.posted.find((p) => p.text === 'to the default' && p.channel === 'CDEFAULT'), 'the default channel');
    expect(worker.agent.sendFrame({ type: 'response', target: { platform: 'slack', channel: 'C1' }, text: 'from a node' })).toBe(true);
    answerer.sendJson({ type: 'response', target: { platform: 'slack', channel: 'C1' }, text: 'after the node' });
    await waitFor(() => slack.posted.find((p) => p.text === 'after the node'), 'the later reply');
    expect(slack.posted.map((p) => p.text)).not.toContain('from a node');
    answerer.close();
  });
});
