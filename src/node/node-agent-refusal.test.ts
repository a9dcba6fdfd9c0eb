import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../test-support/log-capture.js';
import { startRefusingMaster, type Answer } from '../test-support/refusing-master.js';
import { waitFor } from '../test-support/wait.js';
import { Backoff } from './backoff.js';
import { NodeAgent, type NodeAgentError } from './node-agent.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function agentAgainst(answer: Answer) {
  const master = await startRefusingMaster(() => answer);
  cleanups.push(master.close);
  const { log, lines } = captureLog();
  const fatal: NodeAgentError[] = [];
  const agent = new NodeAgent(
    {
      urls: [master.url],
      name: 'laptop',
      nodeId: 'node-refusal-test',
      tags: [],
      version: 'test',
      capabilities: { slots: 1, executors: [], chat: true },
      token: () => 'a-node-token-0123456789',
      tokenHint: 'Pass --token or set MASTER_TOKEN.',
      onFatal: (error) => fatal.push(error),
      backoff: new Backoff(5, 20),
    },
    log,
  );
  cleanups.push(() => agent.stop());
  agent.start();
  await waitFor(() => fatal[0], 'the node to give up');
  return { master, fatal, lines };
}

describe('NodeAgent and credential refusals', () => {
  it.each([
    [{ close: 4001, reason: 'credential revoked' }, 'revoked', "the master revoked this node's credential (credential revoked). Pass --token or set MASTER_TOKEN."],
    [{ close: 4003, reason: 'forbidden: a node credential cannot say hello as a bridge' }, 'forbidden', 'the master refused this node (forbidden: a node credential cannot say hello as a bridge). Pass --token or set MASTER_TOKEN.'],
    [{ refuse: 401 }, 'unauthorized', 'the master refused this node: the token was refused. Pass --token or set MASTER_TOKEN.'],
  ] as const)('stops on %o and says why', async (answer, code, message) => {
    const { master, fatal, lines } = await agentAgainst(answer);
    expect(fatal.map((e) => [e.code, e.message])).toEqual([[code, message]]);
    expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([message]);
    expect(master.attempts()).toBe(1);
  });
});
