import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../src/test-support/fault-proxy.js';
import { waitFor } from '../../src/test-support/wait.js';

/** An echo server that also tells how each of its connections ended. */
async function echoServer(): Promise<{ server: Server; port: number; ends: string[] }> {
  const ends: string[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => {
      ends.push('fin');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => ends.push(error.code ?? 'error'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, ends };
}

function client(port: number): { socket: Socket; received: () => string; ended: () => string | undefined } {
  const socket = createConnection({ host: '127.0.0.1', port });
  let received = '';
  let ended: string | undefined;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('end', () => (ended ??= 'fin'));
  socket.on('error', (error: NodeJS.ErrnoException) => (ended ??= error.code ?? 'error'));
  return { socket, received: () => received, ended: () => ended };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup() {
  const echo = await echoServer();
  const proxy = await FaultProxy.start(echo.port);
  cleanups.push(() => proxy.close(), () => new Promise((resolve) => echo.server.close(resolve)));
  return { echo, proxy };
}

describe('FaultProxy', () => {
  it('forwards both ways and counts the bytes', async () => {
    const { proxy } = await setup();
    const c = client(proxy.port);
    c.socket.write('hello');
    await waitFor(() => c.received() === 'hello', 'the echo');
    expect(proxy.bytes).toEqual({ up: 5, down: 5 });
    expect(proxy.accepted).toBe(1);
    c.socket.destroy();
  });

  it('cuts with a reset or a FIN, on both sides', async () => {
    const { echo, proxy } = await setup();
    const a = client(proxy.port);
    a.socket.write('x');
    await waitFor(() => a.received() === 'x', 'the echo');
    proxy.cut('rst');
    await waitFor(() => a.ended(), 'the client to see the cut');
    expect(a.ended()).toBe('ECONNRESET');
    await waitFor(() => echo.ends.includes('ECONNRESET'), 'the server to see the reset');

    const b = client(proxy.port);
    b.socket.write('y');
    await waitFor(() => b.received() === 'y', 'the echo');
    proxy.cut('fin');
    await waitFor(() => b.ended(), 'the client to see the FIN');
    expect(b.ended()).toBe('fin');
    await waitFor(() => echo.ends.includes('fin'), 'the server to see the FIN');
  });

  it('stalls without closing, then delivers what it held, in order', async () => {
    const { proxy } = await setup();
    const c = client(proxy.port);
    c.socket.write('a');
    await waitFor(() => c.received() === 'a', 'the echo');
    proxy.stall();
    c.socket.write('b');
    c.socket.write('c');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.received()).toBe('a');
    expect(c.ended()).toBeUndefined();
    proxy.resume();
    await waitFor(() => c.received() === 'abc', 'the held bytes');
    c.socket.destroy();
  });

  it('delays every chunk, and passes a close on behind the data', async () => {
    const { proxy } = await setup();
    const c = client(proxy.port);
    proxy.delay(150);
    const sent = performance.now();
    c.socket.write('slow');
    await waitFor(() => c.received() === 'slow', 'the delayed echo', 2000);
    // 150 ms each way.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(290);
    c.socket.end('!');
    await waitFor(() => c.ended(), 'the close after the data', 2000);
    expect(c.received()).toBe('slow!');
  });

  it('resets a client whose target refuses the connection', async () => {
    const { echo, proxy } = await setup();
    await new Promise((resolve) => echo.server.close(resolve));
    const c = client(proxy.port);
    await waitFor(() => c.ended(), 'the refused connection to end');
    expect(c.ended()).toBe('ECONNRESET');
  });
});
