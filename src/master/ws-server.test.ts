import { request } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { TestClient } from '../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';

let master: TestMaster;
afterEach(async () => master.close());
afterAll(removeTempDirs);

/** Sends a raw upgrade request and reports the HTTP status the master answers with. */
function upgradeStatus(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket authentication', () => {
  it('refuses a missing or wrong token with 401 before any frame', async () => {
    master = await startTestMaster();
    const port = master.ws.port;
    expect(await upgradeStatus(port, '/')).toMatchObject({ status: 401, body: expect.stringContaining('"unauthorized"') as unknown });
    expect((await upgradeStatus(port, '/', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await upgradeStatus(port, '/?token=wrong-token-wrong-token')).status).toBe(401);
    expect((await upgradeStatus(port, '/', { authorization: `Basic ${master.nodeToken.value}` })).status).toBe(401);
    await expect(TestClient.connect(master.wsUrl, undefined)).rejects.toThrow('HTTP 401');
    expect(master.hub.listNodes()).toEqual([]);
  });

  it('accepts the token as a bearer header or as ?token=', async () => {
    master = await startTestMaster();
    expect((await upgradeStatus(master.ws.port, '/', { authorization: `Bearer ${master.nodeToken.value}` })).status).toBe(101);
    expect((await upgradeStatus(master.ws.port, `/?token=${encodeURIComponent(master.nodeToken.value)}`)).status).toBe(101);
  });

  it('uses a configured MASTER_TOKEN instead of generating one', async () => {
    master = await startTestMaster({ token: 'configured-token-0123456789' });
    expect(master.nodeToken.origin).toBe('configured');
    const client = await TestClient.connect(master.wsUrl, 'configured-token-0123456789');
    client.close();
  });

  it('answers plain HTTP on the WebSocket port with 426 and a hint', async () => {
    master = await startTestMaster();
    const res = await fetch(`http://127.0.0.1:${master.ws.port}/`);
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
  });
});
