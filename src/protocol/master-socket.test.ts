import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openMasterSocket } from './master-socket.js';

function closed(url: string, token?: string): Promise<{ refused: number | undefined; why: string }> {
  const { ws, refusedWith, describeClose } = openMasterSocket(url, token);
  return new Promise((resolve) => ws.on('close', (code, reason) => resolve({ refused: refusedWith(), why: describeClose(code, reason.toString()) })));
}

describe('openMasterSocket', () => {
  it('says plainly when nothing listens at the address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { refused, why } = await closed(`ws://127.0.0.1:${port}`);
    expect(refused).toBeUndefined();
    expect(why).toBe(`nothing listens at ws://127.0.0.1:${port}: is the master running?`);
  });

  it('reports the HTTP status of a refused upgrade', async () => {
    const server = createServer((_req, res) => res.writeHead(401).end());
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { refused, why } = await closed(`ws://127.0.0.1:${port}`, 'wrong-token-0123456789');
    expect(refused).toBe(401);
    expect(why).toBe('HTTP 401');
    server.close();
  });
});
