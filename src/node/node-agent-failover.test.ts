import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MasterUrls } from '../protocol/index.js';
import { captureLog } from '../test-support/log-capture.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { Backoff } from './backoff.js';
import { NodeAgent, type AgentMessage } from './node-agent.js';

/** Both masters know the same node credential, as masters sharing one fleet do. */
const token = 'a-shared-node-token-0123456789';
const masters = new Set<TestMaster>();
const agents: NodeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await Promise.all([...masters].map((m) => m.close()));
  masters.clear();
});
afterAll(removeTempDirs);

async function master(overrides: { port?: number; dataDir?: string } = {}): Promise<TestMaster> {
  const started = await startTestMaster({ token, ...overrides });
  masters.add(started);
  return started;
}

async function stop(m: TestMaster): Promise<void> {
  masters.delete(m);
  await m.close();
}

/** A port nothing listens on: a master's, once it is closed. */
async function closedPort(): Promise<number> {
  const gone = await master();
  await stop(gone);
  return gone.ws.port;
}

function startAgent(urls: MasterUrls) {
  const { log, lines } = captureLog('info');
  const messages: AgentMessage[] = [];
  // It claims a job, so that each master it reaches answers the claim: proof of a full hello there.
  const agent = new NodeAgent(
    {
      urls,
      name: 'failover-node',
      nodeId: 'node-failover-0001',
      tags: [],
      version: 'test',
      capabilities: { slots: 1, executors: [], chat: true },
      token: () => token,
      tokenHint: 'Pass --token.',
      runningJobs: () => [42],
      onMessage: (m) => messages.push(m),
      backoff: new Backoff(20, 200),
    },
    log,
  );
  agents.push(agent);
  agent.start();
  return { agent, lines, messages };
}

const isOn = (m: TestMaster) => m.hub.listNodes().some((n) => n.name === 'failover-node');

describe('NodeAgent with several masters', () => {
  it('goes on to the second master when nothing listens at the first, saying which it tried', async () => {
    // B first: a port closed before B listens could be the one B is given.
    const b = await master();
    const dead = `ws://127.0.0.1:${await closedPort()}`;
    const { agent, lines, messages } = startAgent([dead, b.wsUrl]);
    await waitFor(() => agent.connected && isOn(b), 'the node on the second master');
    const warn = lines.find((l) => l.level === 40);
    expect(warn).toMatchObject({ url: dead, next: b.wsUrl });
    expect(warn?.msg).toBe(`cannot reach the master at ${dead} (nothing listens at ${dead}: is the master running?); trying ${b.wsUrl} next`);
    expect(lines.find((l) => l.level === 30)).toMatchObject({ url: b.wsUrl, msg: `connected to master ${b.wsUrl}` });
    // The master answered the hello's claim: the node said hello there with its running jobs.
    await waitFor(() => messages.find((m) => m.kind === 'frame' && m.frame.type === 'job_cancel'), 'the claim answered');
  });

  it('moves to B when A goes, and back to A when B goes and A is up again', async () => {
    let a = await master();
    const b = await master();
    const { port, dataDir } = { port: a.ws.port, dataDir: a.config.dataDir };
    const aUrl = a.wsUrl;
    const { agent, lines } = startAgent([aUrl, b.wsUrl]);
    await waitFor(() => agent.connected && isOn(a), 'the node on A');

    await stop(a);
    await waitFor(() => agent.connected && isOn(b), 'the node on B');
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(new RegExp(`^lost the master at ${aUrl} \\(.*\\); trying ${b.wsUrl} next$`));

    a = await master({ port, dataDir });
    await stop(b);
    await waitFor(() => agent.connected && isOn(a), 'the node back on A');
    const connected = lines.filter((l) => l.level === 30 && l.msg.startsWith('connected to master')).map((l) => l.url);
    // A, B, then A again: every attempt after a drop went to the next master, never twice to one that was gone.
    expect(connected).toEqual([aUrl, b.wsUrl, aUrl]);
    const tried = lines.filter((l) => l.level === 40).map((l) => [l.url, l.next]);
    for (const [from, to] of tried) expect(to).not.toBe(from);
  });
});
