import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import type { NodeWorker } from '../node/index.js';
import { SLACK_BOT_USER, SlackStandIn } from '../test-support/slack-stand-in.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
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

describe('csc bridge on Slack (Socket Mode stand-in, real master and node)', () => {
  it('handles an @mention once, acks its envelopes, and answers with progress and result in its thread', async () => {
    const ts = slack.nextTs();
    const event = { channel: 'C1', channel_type: 'channel', user: 'U1', text: `<@${SLACK_BOT_USER}> say hello`, ts };
    const envelopes = [slack.sendEvent({ type: 'message', ...event }), slack.sendEvent({ type: 'app_mention', ...event })];
    const result = await inThread(ts, 'succeeded in');
    const progress = slack.posted.find((p) => p.threadTs === ts && p.history[0]?.includes('Sending to Codex'));
    expect(progress?.text).toContain('Job #');
    expect(result.text).toContain('<http://dash.test/jobs/');
    expect(master.jobs.list({ limit: 10 }).filter((j) => j.prompt === 'say hello')).toHaveLength(1);
    await waitFor(() => envelopes.every((id) => slack.acked.has(id)), 'the acks');
  });

  it('continues the conversation in the thread without a mention, and ignores its own messages', async () => {
    const root = slack.posted.find((p) => p.text.includes('succeeded in'))?.threadTs ?? '';
    const first = master.jobs.list({ limit: 10 }).find((j) => j.prompt === 'say hello');
    slack.sendEvent({ type: 'message', channel: 'C1', user: SLACK_BOT_USER, text: 'my own words', ts: slack.nextTs(), thread_ts: root });
    slack.sendEvent({ type: 'message', channel: 'C1', bot_id: 'BOTHER', user: 'U2', text: 'another bot', ts: slack.nextTs(), thread_ts: root });
    slack.sendEvent({ type: 'message', channel: 'C1', user: 'U1', text: 'and again', ts: slack.nextTs(), thread_ts: root });
    await waitFor(() => slack.posted.filter((p) => p.threadTs === root && p.text.includes('succeeded in')).length === 2, 'the second result', 10_000);
    const prompts = master.jobs.list({ limit: 10 }).map((j) => j.prompt);
    expect(prompts).not.toContain('my own words');
    expect(prompts).not.toContain('another bot');
    expect(master.jobs.list({ limit: 10 }).find((j) => j.prompt === 'and again')?.continueFrom).toBe(first?.id);
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
    const saved = await master.api('/api/config', { method: 'PUT', body: JSON.stringify({ slack: { allowedUsers: ['U99'] } }) });
    expect(saved.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C2', user: 'U99', text: `<@${SLACK_BOT_USER}> /nodes`, ts: again });
    await inThread(again, 'echo-node');
  });

  it("delivers a node's response frame to its thread, broadcast, or to the default channel", async () => {
    const sent = worker.agent.sendFrame({ type: 'response', target: { platform: 'slack', channel: 'C1', thread_ts: '1.5' }, text: 'deployed', broadcast: true });
    expect(sent).toBe(true);
    worker.agent.sendFrame({ type: 'response', target: { platform: 'slack' }, text: 'to the default' });
    await waitFor(() => slack.posted.find((p) => p.text === 'deployed' && p.threadTs === '1.5' && p.broadcast), 'the broadcast reply');
    await waitFor(() => slack.posted.find((p) => p.text === 'to the default' && p.channel === 'CDEFAULT'), 'the default channel');
  });
});
