import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentFrom, resolveDoctorConfig, type DoctorConfig } from '../config/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import type { CheckResult } from './check.js';
import { checkMaster } from './master-checks.js';
import { checkPorts } from './port-checks.js';

let master: TestMaster;
const servers: Server[] = [];

beforeAll(async () => {
  master = await startTestMaster();
});

afterAll(async () => {
  await master.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  removeTempDirs();
});

/** A plain HTTP server on an ephemeral loopback port, closed after the file. */
async function serve(listener: RequestListener): Promise<number> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function doctorConfig(flags: { master?: string; token?: string }, values: Record<string, string> = {}): DoctorConfig {
  return resolveDoctorConfig(flags, environmentFrom({ MASTER_PORT: String(master.ws.port), MASTER_DATA_DIR: master.config.dataDir, ...values }));
}

const byId = (checks: CheckResult[]) => Object.fromEntries(checks.map((check) => [check.id, check]));

describe("the master's checks against a real master", () => {
  it('says why a master without nodes is degraded, when it has the admin token', async () => {
    const checks = byId(await checkMaster(doctorConfig({ master: master.httpUrl })));
    expect(checks['master.health']).toMatchObject({ status: 'warn', summary: expect.stringMatching(/answers at .*, but it is degraded: no node online/) as unknown });
  });

  it('finds it healthy, the clocks together, and the stored node, bridge and admin credentials accepted', async () => {
    const node = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'doctor-node' });
    await waitFor(() => master.hub.listNodes().some((n) => n.name === 'doctor-node'), 'the node to connect');
    const checks = byId(await checkMaster(doctorConfig({ master: master.httpUrl })));
    await node.agent.stop();
    expect(checks['master.health']).toMatchObject({ status: 'ok', summary: expect.stringContaining(`answers at ${master.httpUrl}`) as unknown });
    expect(checks['master.clock']?.status).toBe('ok');
    for (const role of ['node', 'bridge', 'admin']) expect(checks[`credential.${role}`]?.status, role).toBe('ok');
    expect(JSON.stringify(checks)).not.toContain(master.nodeToken.value);
  });

  it('tells what a --token is, and fails a wrong one on both ports', async () => {
    const asNode = byId(await checkMaster(doctorConfig({ master: master.wsUrl, token: master.nodeToken.value }, { MASTER_HTTP_PORT: String(master.http.port) })));
    expect(asNode['credential.token']).toMatchObject({ status: 'ok', summary: expect.stringContaining('as a node or bridge credential') as unknown });
    const asAdmin = byId(await checkMaster(doctorConfig({ master: master.httpUrl, token: master.adminToken.value })));
    expect(asAdmin['credential.token']).toMatchObject({ status: 'ok', summary: 'the master accepts --token as the admin credential' });
    const wrong = byId(await checkMaster(doctorConfig({ master: master.httpUrl, token: 'wrong-token-0123456789abcdef' })));
    expect(wrong['credential.token']).toMatchObject({ status: 'fail', summary: 'the master refused --token: the API answered HTTP 401; the WebSocket port answered HTTP 401' });
  });

  it('fails a node credential the master does not know', async () => {
    const checks = byId(await checkMaster(doctorConfig({ master: master.httpUrl }, { MASTER_TOKEN: 'not-the-node-token-0123456789' })));
    expect(checks['credential.node']).toMatchObject({ status: 'fail', summary: 'the master refused MASTER_TOKEN (environment) as a node credential: the WebSocket port answered HTTP 401' });
    expect(checks['credential.node']?.hint).toContain('csc token create --role node');
  });

  it("warns when the master's clock is 30 s off (its Date header)", async () => {
    const port = await serve((_req, res) => {
      res.setHeader('date', new Date(Date.now() - 30_000).toUTCString());
      res.end(JSON.stringify({ status: 'ok', version: '0.1.0', startedAt: new Date().toISOString(), uptimeSec: 1 }));
    });
    const checks = byId(await checkMaster(doctorConfig({ master: `http://127.0.0.1:${port}` }, { MASTER_DATA_DIR: tempDir() })));
    expect(checks['master.clock']).toMatchObject({ status: 'warn', summary: expect.stringMatching(/^this clock is (29|30|31)\.\d s ahead of the master's$/) as unknown });
  });

  it('fails something that is not a master, and a port where nothing listens', async () => {
    const port = await serve((_req, res) => res.writeHead(404).end('not here'));
    const other = byId(await checkMaster(doctorConfig({ master: `http://127.0.0.1:${port}` })));
    expect(other['master.health']).toMatchObject({ status: 'fail', summary: `http://127.0.0.1:${port}/api/health answered HTTP 404, not a csc master's health` });
    const closed = byId(await checkMaster(doctorConfig({ master: 'http://127.0.0.1:9' })));
    expect(closed['master.health']).toMatchObject({ status: 'fail', summary: 'cannot reach the master: nothing listens at http://127.0.0.1:9' });
    expect(closed['credential']?.status).toBe('skip');
  });
});

describe("the ports of this host's master", () => {
  it("knows the master's own ports, free ones, and ones something else holds", async () => {
    const ours = byId(await checkPorts({ host: '127.0.0.1', port: master.ws.port, httpHost: '0.0.0.0', httpPort: master.http.port, tls: false }));
    expect(ours['ports.ws']?.summary).toBe(`the WebSocket port ${master.ws.port} on 127.0.0.1 is the csc master's`);
    expect(ours['ports.http']?.status).toBe('ok');
    const port = await serve((_req, res) => res.end('hello'));
    const taken = byId(await checkPorts({ host: '127.0.0.1', port, httpHost: '127.0.0.1', httpPort: 9, tls: false }));
    expect(taken['ports.ws']).toMatchObject({ status: 'warn', hint: expect.stringContaining('MASTER_PORT') as unknown });
    expect(taken['ports.http']).toMatchObject({ status: 'ok', summary: 'the HTTP port 9 on 127.0.0.1 is free (no master runs here now)' });
    expect(await checkPorts(undefined)).toMatchObject([{ id: 'ports', status: 'skip' }]);
  });
});
