import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { TestClient } from '../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { Backoff } from './backoff.js';
import type { NodeAgentError} from './node-agent.js';
import { NodeAgent, type AgentMessage, type NodeAgentOptions } from './node-agent.js';

let master: TestMaster | undefined;
const agents: NodeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await master?.close();
});
afterAll(removeTempDirs);

function startAgent(overrides: Partial<NodeAgentOptions> & Pick<NodeAgentOptions, 'urls'>): { agent: NodeAgent; messages: AgentMessage[]; fatal: NodeAgentError[] } {
  const messages: AgentMessage[] = [];
  const fatal: NodeAgentError[] = [];
  const agent = new NodeAgent(
    {
      name: 'agent-1',
      nodeId: 'node-test-0001',
      tags: ['t1'],
      version: '0.0.1',
      capabilities: { slots: 1, executors: [], chat: true },
      token: () => master?.nodeToken.value,
      tokenHint: 'Pass --token.',
      onMessage: (m) => messages.push(m),
      onFatal: (e) => fatal.push(e),
      backoff: new Backoff(20, 200),
      ...overrides,
    },
    silentLogger(),
  );
  agents.push(agent);
  agent.start();
  return { agent, messages, fatal };
}

describe('NodeAgent', () => {
  it('identifies itself and exchanges chat with other nodes', async () => {
    master = await startTestMaster();
    const { agent, messages } = startAgent({ urls: [master.wsUrl] });
    await waitFor(() => agent.connected, 'the agent to be welcomed');
    expect(master.hub.listNodes()[0]).toMatchObject({ name: 'agent-1', tags: ['t1'], version: '0.0.1', capabilities: { slots: 1 } });
    const peer = await TestClient.connect(master.wsUrl, master.nodeToken.value);
    peer.send('hi agent');
    await waitFor(() => messages.length > 0, 'a message');
    expect(messages[0]).toEqual({ kind: 'text', text: 'hi agent' });
    expect(agent.sendText('hi peer')).toBe(true);
    expect((await peer.next()).text).toBe('hi peer');
    peer.close();
  });

  it('reconnects by itself after the master stops and starts again on the same data dir', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const { agent } = startAgent({ urls: [master.wsUrl] });
    await waitFor(() => agent.connected, 'the first connection');
    await master.close();
    await waitFor(() => !agent.connected, 'the agent to notice');
    master = await startTestMaster({ dataDir, port });
    await waitFor(() => master?.hub.listNodes().some((n) => n.name === 'agent-1'), 'the agent to reconnect');
    expect(agent.connected).toBe(true);
  });

  it('keeps retrying while the master is not there yet', async () => {
    const first = await startTestMaster();
    const { port } = first.ws;
    const { dataDir } = first.config;
    await first.close();
    const { agent } = startAgent({ urls: [`ws://127.0.0.1:${port}`] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    master = await startTestMaster({ dataDir, port });
    await waitFor(() => agent.connected, 'the agent to connect once the master is up');
  });

  it('gives up with a clear error when the master refuses the token', async () => {
    master = await startTestMaster();
    const { fatal } = startAgent({ urls: [master.wsUrl], token: () => 'not-the-right-token-000' });
    await waitFor(() => fatal.length > 0, 'a fatal error');
    expect(fatal[0]?.code).toBe('unauthorized');
    expect(fatal[0]?.message).toMatch(/the token was refused\. Pass --token\./);
  });

  it('gives up when another node already holds its name', async () => {
    master = await startTestMaster();
    const holder = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'agent-1', nodeId: 'node-someone-else' });
    const { fatal } = startAgent({ urls: [master.wsUrl] });
    await waitFor(() => fatal.length > 0, 'a fatal error');
    expect(fatal[0]?.code).toBe('name_taken');
    expect(fatal[0]?.message).toContain('--name');
    holder.close();
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter up to the cap and resets', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([low.next(), low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([100, 200, 400, 800, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
