import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc, type CscProcess } from './cli-process.js';

const CSC = fileURLToPath(new URL('../bin/csc.js', import.meta.url));
let master: TestMaster;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await master.close();
});
afterAll(removeTempDirs);

async function peerOf(m: TestMaster): Promise<TestClient> {
  const peer = await TestClient.node(m.wsUrl, m.nodeToken.value, { name: 'peer' });
  cleanups.push(() => peer.close());
  return peer;
}

describe('csc node on a terminal', () => {
  it('is the chat console: typed lines are sent, received lines are printed', async () => {
    master = await startTestMaster();
    const peer = await peerOf(master);
    const command = `'${process.execPath}' '${CSC}' node --port ${master.ws.port} --data-dir '${master.config.dataDir}' --name tty-node`;
    // `script` gives the node a real pseudo-terminal, as a person's shell would.
    const tty = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', TERM: 'dumb' } });
    cleanups.push(() => tty.kill('SIGKILL'));
    let screen = '';
    tty.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    await waitFor(() => master.hub.listNodes().some((n) => n.name === 'tty-node'), 'the console node to connect', 10_000);

    tty.stdin.write('typed on the console\r');
    expect((await peer.next()).text).toBe('typed on the console');
    peer.send('printed on the console');
    await waitFor(() => screen.includes('printed on the console'), 'the received line on screen');

    const exited = new Promise<number | null>((resolve) => tty.on('exit', resolve));
    tty.stdin.write('\u0003');
    expect(await exited).toBe(0);
    await waitFor(() => !master.hub.listNodes().some((n) => n.name === 'tty-node'), 'the node to leave');
  });
});

describe('csc node without a terminal', () => {
  it('runs as a daemon that never reads stdin', async () => {
    master = await startTestMaster();
    const peer = await peerOf(master);
    const daemon: CscProcess = runCsc(['node', '--port', String(master.ws.port), '--data-dir', master.config.dataDir, '--name', 'daemon'], {}, 'pipe');
    cleanups.push(() => daemon.child.kill('SIGKILL'));
    await waitFor(() => master.hub.listNodes().some((n) => n.name === 'daemon'), 'the daemon to connect', 10_000);
    daemon.child.stdin?.write('this must not be sent\n');
    peer.send('logged by the daemon');
    await daemon.waitForOutput(/logged by the daemon/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(peer.received).toEqual([]);
  });
});
