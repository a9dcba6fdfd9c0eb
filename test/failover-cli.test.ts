import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc } from './cli-process.js';

const { csc, killAll } = trackedCsc();
afterEach(killAll);
afterAll(removeTempDirs);

/** A loopback port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('csc node and csc bridge with several masters', () => {
  it('a node whose MASTER_URL lists a master that is gone first connects to the next one', async () => {
    const dataDir = tempDir();
    const master = csc(['master', '--port', '0', '--http-port', '0', '--data-dir', dataDir]);
    const [, ws] = await master.waitForOutput(/Nodes: +ws:\/\/127\.0\.0\.1:(\d+)/);
    const [, http] = await master.waitForOutput(/Dashboard: +http:\/\/127\.0\.0\.1:(\d+)\//);
    const dead = `ws://127.0.0.1:${await closedPort()}`;
    const live = `ws://127.0.0.1:${ws}`;
    const node = csc(['node', '--data-dir', dataDir, '--name', 'failover-node', '--allow-echo-executor'], { MASTER_URL: `${dead}, ${live}` });
    await node.waitForOutput(new RegExp(`cannot reach the master at ${dead} \\(nothing listens at ${dead}: is the master running\\?\\); trying ${live} next`));
    await node.waitForOutput(new RegExp(`connected to master ${live}`));
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const online = async () => {
      const res = await fetch(`http://127.0.0.1:${http}/api/nodes`, { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await res.json()) as { nodes: { name: string; status: string }[] }).nodes.find((n) => n.name === 'failover-node' && n.status === 'online');
    };
    await waitFor(online, 'the node online on the live master', 10_000);
  });

  it('refuses a bad or repeated entry before connecting, naming the key and the entry (exit 2)', async () => {
    const node = csc(['node', '--master', 'ws://127.0.0.1:8765,http://127.0.0.1:8080', '--data-dir', tempDir()]);
    expect(await node.exited).toBe(2);
    expect(node.stderr()).toContain('configuration error: --master: "http://127.0.0.1:8080" must be the WebSocket address (ws:// or wss://, port 8765 by default), not http://');
    const bridge = csc(['bridge', '--data-dir', tempDir()], { MASTER_URL: 'ws://a.example:8765,ws://a.example:8765/' });
    expect(await bridge.exited).toBe(2);
    expect(bridge.stderr()).toContain('configuration error: MASTER_URL (environment): "ws://a.example:8765/" is listed twice (as ws://a.example:8765): each master once');
  });
});
