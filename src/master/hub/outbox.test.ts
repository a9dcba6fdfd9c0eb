import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { captureLog } from '../../test-support/log-capture.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { Client } from './client.js';
import { Outbox } from './outbox.js';

const MiB = 1024 * 1024;
/** What the sender relays: well over the limit, under its hard cap (4×) even if the kernel buffers little. */
const FRAME = 512 * 1024;
const FRAMES = 28;

let master: TestMaster | undefined;
const sockets: Socket[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const client of clients.splice(0)) client.close();
  await master?.close();
  master = undefined;
  removeTempDirs();
});

/** A client text frame (clients must mask; a zero key leaves the bytes as they are). */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81]), length, Buffer.alloc(4), payload]);
}

/**
 * A node on a raw TCP socket that reads only when the test says so: the kernel and Node buffer a
 * little (64 KiB on our side), then the master's writes queue up, as with a real slow reader.
 */
async function rawNode(master: TestMaster, name: string) {
  // Node passes stream options on to the socket; @types/node does not list this one for connect().
  const socket = connect({ host: '127.0.0.1', port: master.ws.port, readableHighWaterMark: 64 * 1024 } as NetConnectOpts);
  sockets.push(socket);
  await once(socket, 'connect');
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${master.nodeToken.value}\r\n\r\n`,
  );
  socket.write(maskedText(JSON.stringify({ type: 'hello', name })));
  let received = 0;
  const read = (): void => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) received += chunk.length;
  };
  await waitFor(() => (read(), received > 0) && master.hub.listNodes().some((n) => n.name === name), `${name} to be connected`);
  return {
    received: () => received,
    /** Reads what Node has buffered every `everyMs`: at most 64 KiB a time, about 3 MB/s at 20 ms. */
    readSlowly(everyMs: number): () => void {
      const timer = setInterval(read, everyMs);
      return () => clearInterval(timer);
    },
  };
}

/** Relays `FRAMES` plain-text frames of `FRAME` bytes from another node to every other node. */
async function flood(master: TestMaster): Promise<number> {
  const sender = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'sender' });
  clients.push(sender);
  const text = 'x'.repeat(FRAME);
  for (let i = 0; i < FRAMES; i++) sender.send(text);
  return FRAMES * FRAME;
}

/** A client on a socket that records what it would send: the payload of each frame, once uncorked. */
function fakeClient(name: string) {
  const seen: string[] = [];
  const socket = new Duplex({
    read() {},
    writev(chunks, done) {
      // Frames under 126 bytes: a 2-byte header, then the payload.
      for (const { chunk } of chunks) seen.push((chunk as Buffer).subarray(2).toString('utf8'));
      done();
    },
  });
  const ws = { readyState: WebSocket.OPEN as number, terminate: () => (ws.readyState = WebSocket.CLOSED) };
  const client = new Client(name, ws as unknown as WebSocket, socket, '127.0.0.1', { role: 'node' });
  return { client, seen, terminated: () => ws.readyState === WebSocket.CLOSED };
}

/** A commit that answers when the test says so. */
function laterCommit() {
  let answer!: (ok: boolean) => void;
  const promise = new Promise<boolean>((resolve) => (answer = resolve));
  return { promise, answer };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const say = (outbox: Outbox, text: string, ...to: Array<{ client: Client }>) => outbox.relay(Buffer.from(text), to.map((r) => r.client));

describe('Outbox: each turn after its commit', () => {
  const unlimited = { maxBufferedBytes: 1024 * 1024, stallMs: 1000 };

  it('lets the frames out in the same turn as a commit that answers at once, before any microtask', async () => {
    const a = fakeClient('a');
    const seenByMicrotask: string[][] = [];
    const outbox = new Outbox(unlimited, () => undefined, () => {
      queueMicrotask(() => seenByMicrotask.push([...a.seen]));
      return true;
    });
    say(outbox, 'one', a);
    say(outbox, 'two', a);
    expect(a.seen).toEqual([]);
    await nextTurn();
    expect(seenByMicrotask).toEqual([['one', 'two']]);
  });

  it('holds a turn\'s frames until its commit, and the next turn\'s until theirs, in order', async () => {
    const [a, b, c] = [fakeClient('a'), fakeClient('b'), fakeClient('c')];
    const commits = [laterCommit(), laterCommit()];
    let turn = 0;
    const outbox = new Outbox(unlimited, () => undefined, () => commits[turn++]!.promise);
    say(outbox, 'a1', a);
    say(outbox, 'b1', b);
    await nextTurn();
    // Turn 2 writes while turn 1's commit is in flight: to a socket that holds turn 1's frames, and to one that does not.
    say(outbox, 'a2', a);
    say(outbox, 'c2', c);
    await nextTurn();
    expect([a.seen, b.seen, c.seen]).toEqual([[], [], []]);
    // Turn 2 commits first: its frames still wait for turn 1's to have left.
    commits[1]!.answer(true);
    await nextTurn();
    expect([a.seen, b.seen, c.seen]).toEqual([[], [], []]);
    commits[0]!.answer(true);
    await nextTurn();
    expect([a.seen, b.seen, c.seen]).toEqual([['a1', 'a2'], ['b1'], ['c2']]);
  });

  it('lets turn 1 out without turn 2, which waits for its own commit', async () => {
    const a = fakeClient('a');
    const commits = [laterCommit(), laterCommit(), laterCommit()];
    let turn = 0;
    const outbox = new Outbox(unlimited, () => undefined, () => commits[turn++]!.promise);
    say(outbox, 'a1', a);
    await nextTurn();
    say(outbox, 'a2', a);
    await nextTurn();
    commits[0]!.answer(true);
    await nextTurn();
    expect(a.seen).toEqual(['a1']);
    // A third turn, while turn 2's commit is in flight: behind it.
    say(outbox, 'a3', a);
    await nextTurn();
    expect(a.seen).toEqual(['a1']);
    commits[1]!.answer(true);
    await nextTurn();
    expect(a.seen).toEqual(['a1', 'a2']);
    commits[2]!.answer(true);
    await nextTurn();
    expect(a.seen).toEqual(['a1', 'a2', 'a3']);
  });

  it('drops the turns still waiting for their commit when the store reports a failed one', async () => {
    const [a, b] = [fakeClient('a'), fakeClient('b')];
    const commits = [laterCommit(), laterCommit()];
    let turn = 0;
    const outbox = new Outbox(unlimited, () => undefined, () => commits[turn++]!.promise);
    say(outbox, 'a1', a);
    await nextTurn();
    // Turn 2 wrote after turn 1's lost writes: a create's job_assign, say. It must not leave either.
    say(outbox, 'b2', b);
    await nextTurn();
    outbox.dropCorked();
    commits[0]!.answer(false);
    commits[1]!.answer(true);
    await nextTurn();
    expect([a.seen, b.seen]).toEqual([[], []]);
    expect([a.terminated(), b.terminated()]).toEqual([true, true]);
  });

  it("drops a failed turn's frames with their connections, and delivers the next turn's to the others", async () => {
    const [a, b] = [fakeClient('a'), fakeClient('b')];
    const commits = [laterCommit(), laterCommit()];
    let turn = 0;
    const outbox = new Outbox(unlimited, () => undefined, () => commits[turn++]!.promise);
    say(outbox, 'a1', a);
    await nextTurn();
    say(outbox, 'a2', a, b);
    await nextTurn();
    commits[0]!.answer(false);
    commits[1]!.answer(true);
    await nextTurn();
    expect(a.terminated()).toBe(true);
    expect(a.seen).toEqual([]);
    expect(b.seen).toEqual(['a2']);
  });

  it('counts frames held behind a commit towards the send buffer limit', async () => {
    const a = fakeClient('a');
    const cut: string[] = [];
    const commit = laterCommit();
    const cutOff = (client: Client, why: string) => {
      cut.push(`${client.id}: ${why}`);
      client.ws.terminate();
    };
    const outbox = new Outbox({ maxBufferedBytes: 100, stallMs: 1000 }, cutOff, () => commit.promise);
    say(outbox, 'a1', a);
    await nextTurn();
    // Over the limit, under its hard cap (4×): watched, not cut.
    for (let i = 0; i < 10; i++) say(outbox, 'x'.repeat(20), a);
    expect(outbox.queuedBytes(a.client)).toBeGreaterThan(200);
    expect(cut).toEqual([]);
    for (let i = 0; i < 20; i++) say(outbox, 'x'.repeat(20), a);
    expect(cut).toEqual(['a: over 0 MiB queued']);
    outbox.stop();
  });
});

const connected = (master: TestMaster, name: string) => master.hub.listNodes().some((n) => n.name === name);

describe('the send buffer limit', () => {
  it('keeps a reader that is slower than the sender, over the limit for longer than the stall window but draining', { timeout: 30_000 }, async () => {
    const { log, lines } = captureLog('warn');
    master = await startTestMaster({ maxSendBufferBytes: 4 * MiB, sendStallSec: 1 }, { log });
    const slow = await rawNode(master, 'slow');
    const stop = slow.readSlowly(20);
    const started = Date.now();
    const total = await flood(master);
    await waitFor(() => slow.received() >= total || !connected(master!, 'slow'), 'the slow reader to get everything', 25_000);
    stop();
    expect(connected(master, 'slow')).toBe(true);
    expect(slow.received()).toBeGreaterThanOrEqual(total);
    // It really was slow: reading took several stall windows.
    expect(Date.now() - started).toBeGreaterThan(3000);
    expect(lines.filter((l) => String(l.msg).includes('stalled consumer'))).toEqual([]);
  });

  it('cuts a reader that drains nothing, once the stall window has passed, and keeps the others', { timeout: 20_000 }, async () => {
    const { log, lines } = captureLog('warn');
    master = await startTestMaster({ maxSendBufferBytes: 4 * MiB, sendStallSec: 0.5 }, { log });
    await rawNode(master, 'stalled');
    const healthy = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'healthy' });
    clients.push(healthy);
    const started = Date.now();
    const total = await flood(master);
    await waitFor(() => !connected(master!, 'stalled'), 'the stalled reader to be cut', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(lines.map((l) => l.msg)).toContain('disconnecting a stalled consumer: over 4 MiB queued and nothing drained for 0.5 s');
    await waitFor(() => healthy.received.reduce((sum, m) => sum + m.text.length, 0) >= total, 'the healthy reader to get everything', 10_000);
    expect(healthy.closed).toBeUndefined();
  });

  it('cuts a reader at once past four times the limit, however long the stall window', { timeout: 20_000 }, async () => {
    const { log, lines } = captureLog('warn');
    master = await startTestMaster({ maxSendBufferBytes: 1 * MiB, sendStallSec: 60 }, { log });
    await rawNode(master, 'stalled');
    await flood(master);
    await waitFor(() => !connected(master!, 'stalled'), 'the stalled reader to be cut', 10_000);
    expect(lines.map((l) => l.msg)).toContain('disconnecting a stalled consumer: over 4 MiB queued');
  });
});
