import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MasterLink } from '../bridge/master-link.js';
import { ApiClient } from '../cli/api-client.js';
import { startLocalNode, type LocalNode } from '../cli/local-node.js';
import { childEnvironment, environmentFrom, type MasterConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { EchoExecutor, Workspaces, createNodeWorker, type NodeWorker } from '../node/index.js';
import { openMasterSocket, type MasterTrust } from '../protocol/master-socket.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { captureLog } from '../test-support/log-capture.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { selfSignedCertificate, type TestCertificate } from '../test-support/tls-cert.js';
import { waitFor } from '../test-support/wait.js';
import { formatBanner } from './banner.js';
import { clearTextWarning, isLoopback } from './clear-text.js';
import type { JobRecord } from './store/index.js';

const certificate = selfSignedCertificate();
const tlsOf = (c: TestCertificate): MasterConfig['tls'] => ({ cert: c.cert, key: c.key, certFile: c.certFile, keyFile: c.keyFile });

const masters: TestMaster[] = [];
const workers: NodeWorker[] = [];
const stoppers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
  await Promise.all(workers.splice(0).map((w) => w.agent.stop()));
  await Promise.all(masters.splice(0).map((m) => m.close()));
});
afterAll(removeTempDirs);

async function master(overrides: Partial<MasterConfig> = {}, log?: Logger): Promise<TestMaster> {
  const started = await startTestMaster(overrides, log === undefined ? {} : { log });
  masters.push(started);
  return started;
}

/** A real node worker with the echo executor, connecting to `url` with `trust` (the `--ca` of `csc node`). */
function node(url: string, token: string, trust: MasterTrust | undefined, log: Logger = silentLogger()): NodeWorker {
  const worker = createNodeWorker(
    {
      urls: [url],
      trust,
      name: 'tls-node',
      nodeId: 'node-tls-test',
      tags: [],
      version: 'test',
      slots: 1,
      executor: new EchoExecutor(),
      workspaces: new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: 'Pass --token.',
    },
    log,
  );
  workers.push(worker);
  worker.agent.start();
  return worker;
}

function closedWith(url: string, token: string): Promise<string> {
  const { ws, describeClose } = openMasterSocket(url, token);
  return new Promise((resolve) => ws.on('close', (code, reason) => resolve(describeClose(code, reason.toString()))));
}

describe('a master with --tls-cert / --tls-key', () => {
  it('runs a job for a node connected over wss:// and serves it back over https://', async () => {
    const tlsMaster = await master({ tls: tlsOf(certificate) });
    expect(tlsMaster.tls).toBe(true);
    const worker = node(`wss://127.0.0.1:${tlsMaster.ws.port}`, tlsMaster.nodeToken.value, { ca: [certificate.cert] });
    await waitFor(() => worker.agent.connected, 'the node welcomed over wss://');

    const api = new ApiClient({ baseUrl: `https://127.0.0.1:${tlsMaster.http.port}`, adminToken: tlsMaster.adminToken.value, ca: certificate.cert });
    const created = await api.request<JobRecord>('POST', '/api/jobs', { prompt: 'hello over TLS', node: 'tls-node' });
    const events: SequencedJobEvent[] = [];
    for await (const event of api.follow(created.id, 0)) events.push(event);
    expect(events.map((e) => e.event)).toContainEqual({ kind: 'agent_message', text: 'hello over TLS' });
    const job = await api.request<JobRecord>('GET', `/api/jobs/${created.id}`);
    expect(job).toMatchObject({ status: 'succeeded', node: 'tls-node', result: { finalMessage: 'hello over TLS' } });
  });

  it('welcomes a bridge over wss:// with the CA', async () => {
    const tlsMaster = await master({ tls: tlsOf(certificate) });
    const link = new MasterLink(
      { urls: [`wss://localhost:${tlsMaster.ws.port}`], trust: { ca: [certificate.cert] }, name: 'bridge', version: 'test', token: () => tlsMaster.bridgeToken.value, reconnectMs: 50, onFrame: () => undefined, onWelcome: () => undefined },
      silentLogger(),
    );
    stoppers.push(() => link.stop());
    link.start();
    await waitFor(() => link.connected, 'the bridge welcomed over wss://');
  });

  it('refuses a plain ws:// or http:// client, and says to use wss://', async () => {
    const tlsMaster = await master({ tls: tlsOf(certificate) });
    expect(await closedWith(`ws://127.0.0.1:${tlsMaster.ws.port}`, tlsMaster.nodeToken.value)).toMatch(/if the master serves TLS \(--tls-cert\), connect with wss:\/\//);
    await expect(fetch(`http://127.0.0.1:${tlsMaster.http.port}/api/health`)).rejects.toThrow();
    expect(tlsMaster.hub.listNodes()).toEqual([]);
  });

  it('is refused by a node without the CA, which says why and what to pass', async () => {
    const tlsMaster = await master({ tls: tlsOf(certificate) });
    const { log, lines } = captureLog();
    const worker = node(`wss://127.0.0.1:${tlsMaster.ws.port}`, tlsMaster.nodeToken.value, undefined, log);
    const refusal = await waitFor(() => lines.find((l) => /certificate/.test(l.msg)), 'the node to report the certificate');
    expect(refusal.msg).toMatch(/cannot reach the master \(the master's certificate is not trusted \(self-signed certificate\): pass --ca FILE \(MASTER_CA_FILE\)/);
    expect(worker.agent.connected).toBe(false);
    expect(tlsMaster.hub.listNodes()).toEqual([]);
    const api = new ApiClient({ baseUrl: `https://127.0.0.1:${tlsMaster.http.port}`, adminToken: tlsMaster.adminToken.value });
    await expect(api.request('GET', '/api/health')).rejects.toThrow(/cannot reach the master at https:\/\/127\.0\.0\.1:\d+: the master's certificate is not trusted/);
  });

  it('is refused by a node whose CA does not list the name it dials', async () => {
    const tlsMaster = await master({ tls: tlsOf(selfSignedCertificate('master.test', 'DNS:master.test')) });
    const ca = { ca: [tlsMaster.config.tls?.cert ?? Buffer.alloc(0)] };
    expect(await new Promise((resolve) => {
      const { ws, describeClose } = openMasterSocket(`wss://127.0.0.1:${tlsMaster.ws.port}`, undefined, ca);
      ws.on('close', (code, reason) => resolve(describeClose(code, reason.toString())));
    })).toMatch(/the master's certificate does not name the host in wss:\/\/127\.0\.0\.1:\d+/);
  });

  it('runs its local node over wss://, trusting its own certificate even when it names another host', async () => {
    const named = selfSignedCertificate('master.test', 'DNS:master.test');
    const tlsMaster = await master({ tls: tlsOf(named) });
    const local: LocalNode = await startLocalNode(tlsMaster, tlsMaster.config.dataDir, environmentFrom({ NODE_ALLOW_ECHO_EXECUTOR: 'true', NODE_NAME: 'local' }), silentLogger(), named.cert);
    stoppers.push(() => local.stop());
    await waitFor(() => tlsMaster.hub.listNodes().find((n) => n.name === 'local'), 'the local node over wss://');
  });

  it('says a plain master does not answer a wss:// client in TLS', async () => {
    const plain = await master();
    expect(plain.tls).toBe(false);
    expect(await closedWith(`wss://127.0.0.1:${plain.ws.port}`, plain.nodeToken.value)).toMatch(/does not answer in TLS \(.*\): a master without --tls-cert is reached with ws:\/\//);
  });
});

describe('the clear-text warning', () => {
  it('is logged once by a master bound beyond loopback without TLS', async () => {
    const { log, lines } = captureLog();
    await master({ host: '0.0.0.0', httpHost: '0.0.0.0' }, log);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/^the WebSocket port on 0\.0\.0\.0 and the HTTP port on 0\.0\.0\.0 are reachable beyond this machine without TLS/);
    for (const what of ['node and bridge tokens', 'the admin token', 'login link', 'job prompts, logs and diffs', "chat platforms' tokens", '--tls-cert', 'reverse proxy']) {
      expect(warnings[0]?.msg).toContain(what);
    }
  });

  it('is not logged with TLS, nor on loopback', async () => {
    const { log, lines } = captureLog();
    await master({ host: '0.0.0.0', httpHost: '0.0.0.0', tls: tlsOf(certificate) }, log);
    await master({}, log);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('names only the ports bound beyond loopback', () => {
    expect(clearTextWarning({ host: '127.0.0.1', httpHost: '10.0.0.5', tls: false })).toMatch(/^the HTTP port on 10\.0\.0\.5 is reachable/);
    expect(clearTextWarning({ host: 'localhost', httpHost: '::1', tls: false })).toBeUndefined();
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'master.example', '128.0.0.1', '127.example']) expect(isLoopback(host)).toBe(false);
  });
});

describe('the banner of a TLS master', () => {
  const tlsMaster = {
    ws: { host: '0.0.0.0', port: 8765 },
    http: { host: '0.0.0.0', port: 8080 },
    tls: true,
    nodeToken: { value: 'node-secret-0123456789', origin: 'generated' as const, path: '/data/master-token' },
    bridgeToken: { value: 'bridge-secret-0123456789', origin: 'generated' as const, path: '/data/bridge-token' },
    adminToken: { value: 'admin-secret-0123456789', origin: 'file' as const, path: '/data/admin-token' },
  };

  it('prints https:// and wss:// addresses, with the login token in the fragment', () => {
    const banner = formatBanner(tlsMaster, '/data', true);
    expect(banner).toContain('Dashboard:  https://127.0.0.1:8080/#token=admin-secret-0123456789');
    expect(banner).toContain('Nodes:      wss://127.0.0.1:8765');
    expect(banner).toContain('Bridges:    wss://127.0.0.1:8765');
    expect(banner).toContain('npx csc node --master wss://127.0.0.1:8765 --ca CA.pem --data-dir /data');
    expect(formatBanner({ ...tlsMaster, tls: false }, '/data', true)).toContain('Nodes:      ws://127.0.0.1:8765');
  });
});
