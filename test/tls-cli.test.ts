import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { selfSignedCertificate } from '../src/test-support/tls-cert.js';
import { trackedCsc, type CscProcess } from './cli-process.js';

const { csc, killAll } = trackedCsc();
afterEach(killAll);
afterAll(removeTempDirs);

const certificate = selfSignedCertificate();
const tlsFlags = ['--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile];

/** `csc master` with TLS on ephemeral ports; its addresses as the banner prints them. */
async function startTlsMaster(extra: string[] = [], env: Record<string, string> = {}) {
  const dataDir = tempDir();
  const proc = csc(['master', '--port', '0', '--http-port', '0', '--data-dir', dataDir, ...tlsFlags, ...extra], env);
  const [, wsPort] = await proc.waitForOutput(/Nodes: +wss:\/\/127\.0\.0\.1:(\d+)/);
  const [, httpPort] = await proc.waitForOutput(/Dashboard: +https:\/\/127\.0\.0\.1:(\d+)\//);
  return { proc, dataDir, wss: `wss://127.0.0.1:${wsPort}`, https: `https://127.0.0.1:${httpPort}` };
}

function jobRun(master: { dataDir: string; https: string }, node: string, prompt: string, ca: string[] = ['--ca', certificate.certFile]): CscProcess {
  return csc(['job', 'run', '--url', master.https, ...ca, '--data-dir', master.dataDir, '--node', node, prompt]);
}

describe('csc over TLS', () => {
  it('runs a job on `csc node --master wss://… --ca` and follows it with `csc job --url https://… --ca`', async () => {
    const master = await startTlsMaster();
    expect(master.proc.stdout()).toContain(`npx csc node --master ${master.wss} --ca CA.pem --data-dir ${master.dataDir}`);
    const node = csc(['node', '--master', master.wss, '--ca', certificate.certFile, '--data-dir', master.dataDir, '--name', 'tls-node', '--allow-echo-executor']);
    await node.waitForOutput(/connected to master/);
    const run = jobRun(master, 'tls-node', 'hello over wss');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/▶ started \(echo\)\nhello over wss\n■ succeeded/);

    const withoutCa = jobRun(master, 'tls-node', 'never sent', []);
    expect(await withoutCa.exited).toBe(1);
    expect(withoutCa.stderr()).toContain(`csc: unreachable: cannot reach the master at ${master.https}: the master's certificate is not trusted (self-signed certificate): pass --ca FILE`);
    for (const output of [master.proc.stdout(), master.proc.stderr(), node.stdout(), node.stderr()]) {
      expect(output).not.toContain(readFileSync(join(master.dataDir, 'master-token'), 'utf8').trim());
    }
  });

  it('says why a node without the CA, or on ws://, cannot connect', async () => {
    const master = await startTlsMaster();
    const withoutCa = csc(['node', '--master', master.wss, '--data-dir', master.dataDir, '--name', 'no-ca', '--allow-echo-executor']);
    await withoutCa.waitForOutput(/cannot reach the master \(the master's certificate is not trusted \(self-signed certificate\): pass --ca FILE \(MASTER_CA_FILE\)/);
    const plain = csc(['node', '--master', master.wss.replace('wss:', 'ws:'), '--data-dir', master.dataDir, '--name', 'plain', '--allow-echo-executor']);
    await plain.waitForOutput(/if the master serves TLS \(--tls-cert\), connect with wss:\/\//);
  });

  it('runs its --local-node over wss:// (npm start with a certificate)', async () => {
    const master = await startTlsMaster(['--local-node'], { NODE_ALLOW_ECHO_EXECUTOR: 'true', NODE_NAME: 'local' });
    const run = jobRun(master, 'local', 'hello local node');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('hello local node');
  });

  it.each([
    [['master', '--tls-cert', certificate.certFile], 'configuration error: --tls-key (MASTER_TLS_KEY): is required with --tls-cert'],
    [['master', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', certificate.keyFile], 'configuration error: --tls-cert: cannot read /nonexistent/cert.pem: no such file'],
    [['node', '--master', 'http://127.0.0.1:8765'], 'configuration error: --master: must be the WebSocket address (ws:// or wss://'],
    [['node', '--master', 'wss://127.0.0.1:8765', '--ca', '/nonexistent/ca.pem'], 'configuration error: --ca: cannot read /nonexistent/ca.pem: no such file'],
    [['node', '--name', '../x'], 'configuration error: --name: must be 1 to 64 characters'],
    [['bridge', '--master', 'master.example:8765'], 'configuration error: --master: must be a URL like ws://127.0.0.1:8765'],
  ])('stops with exit 2 on %j', async (args, message) => {
    const bad = csc([...args, '--data-dir', tempDir()]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain(message);
  });
});
