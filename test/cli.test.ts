import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc } from './cli-process.js';

const { csc, killAll } = trackedCsc();
afterEach(killAll);
afterAll(removeTempDirs);

interface NodeRow {
  name: string;
  status: string;
}

async function startMaster(dataDir: string, ports = { ws: 0, http: 0 }) {
  const master = csc(['master', '--port', String(ports.ws), '--http-port', String(ports.http), '--data-dir', dataDir]);
  const [, ws] = await master.waitForOutput(/Nodes: +ws:\/\/127\.0\.0\.1:(\d+)/);
  const [, http] = await master.waitForOutput(/Dashboard: +http:\/\/127\.0\.0\.1:(\d+)\//);
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const nodes = async (): Promise<NodeRow[]> => {
    const res = await fetch(`http://127.0.0.1:${http}/api/nodes`, { headers: { authorization: `Bearer ${adminToken}` } });
    return ((await res.json()) as { nodes: NodeRow[] }).nodes;
  };
  return { proc: master, wsPort: Number(ws), httpPort: Number(http), adminToken, nodes };
}

describe('csc', () => {
  it('lists its subcommands in --help', async () => {
    const help = csc(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/master \[options\]/);
    expect(help.stdout()).toMatch(/node \[options\]/);
  });

  it('stops with exit code 2 and names the key on bad configuration', async () => {
    const bad = csc(['master', '--data-dir', tempDir()], { MASTER_PING_INTERVAL: 'often' });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('configuration error: MASTER_PING_INTERVAL (environment): must be a number of seconds');
  });

  it('runs the README flow: a master, then a node that appears online and survives a master restart', async () => {
    const dataDir = tempDir();
    const first = await startMaster(dataDir);
    expect(first.proc.stdout()).toContain(`admin token: generated and stored in ${join(dataDir, 'admin-token')}`);

    const node = csc(['node', '--port', String(first.wsPort), '--data-dir', dataDir, '--name', 'e2e-node', '--tags', 'a,b']);
    await waitFor(async () => (await first.nodes()).find((n) => n.name === 'e2e-node' && n.status === 'online'), 'the node online', 10_000);

    first.proc.child.kill('SIGTERM');
    expect(await first.proc.exited).toBe(0);
    await node.waitForOutput(/lost the master \(master shutting down\)/);

    const second = await startMaster(dataDir, { ws: first.wsPort, http: 0 });
    expect(second.adminToken).toBe(first.adminToken);
    await waitFor(async () => (await second.nodes()).find((n) => n.name === 'e2e-node'), 'the node to reconnect', 15_000);

    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    for (const output of [first.proc.stdout(), first.proc.stderr(), node.stderr(), node.stdout()]) {
      expect(output).not.toContain(first.adminToken);
      expect(output).not.toContain(readFileSync(join(dataDir, 'master-token'), 'utf8').trim());
    }
  });

  it('exits with a clear message when the master refuses the node token', async () => {
    const master = await startMaster(tempDir());
    const node = csc(['node', '--port', String(master.wsPort), '--token', 'definitely-not-the-token', '--data-dir', tempDir()]);
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toContain('the master refused this node: the token was refused');
    expect(node.stderr()).not.toContain('definitely-not-the-token');
  });
});
