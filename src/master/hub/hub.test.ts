import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';

let master: TestMaster;
const clients: TestClient[] = [];

/** Connects with the credential of the role the hello names (a node's when there is none). */
async function connect(hello?: Record<string, unknown>): Promise<TestClient> {
  const token = hello?.role === 'bridge' ? master.bridgeToken.value : master.nodeToken.value;
  const client = hello ? await TestClient.node(master.wsUrl, token, hello) : await TestClient.connect(master.wsUrl, token);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

describe('plain-text chat relay (the seed behaviour)', () => {
  it('relays a line byte for byte to every other node, never back to the sender', async () => {
    master = await startTestMaster();
    const [a, b, c] = [await connect(), await connect({ name: 'b' }), await connect({ name: 'c' })];
    const line = '안녕하세요 {not json} ✅ \u0000 tail';
    a.send(line);
    expect((await b.next()).text).toBe(line);
    expect((await c.next()).text).toBe(line);
    c.send('from c');
    expect((await a.next()).text).toBe('from c');
    expect((await b.next()).text).toBe('from c');
    expect(a.received).toEqual([]);
    expect(c.received).toEqual([]);
  });

  it('delivers payloads of every frame-length encoding intact', async () => {
    master = await startTestMaster();
    const [sender, receiver] = [await connect(), await connect()];
    const sizes = [0, 1, 125, 126, 127, 65535, 65536, 300_000];
    const lines = [...sizes.map((size) => 'x'.repeat(size)), '✓'.repeat(30_000)];
    for (const line of lines) sender.send(line);
    await waitFor(() => receiver.received.length === lines.length, 'every payload');
    expect(receiver.received.map((m) => m.text)).toEqual(lines);
  });

  it('keeps the order of a burst of lines', async () => {
    master = await startTestMaster();
    const [sender, receiver] = [await connect(), await connect()];
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    for (const line of lines) sender.send(line);
    await waitFor(() => receiver.received.length === lines.length, '500 lines');
    expect(receiver.received.map((m) => m.text)).toEqual(lines);
  });

  it('keeps the order of a burst when commits answer later (a database server)', async () => {
    master = await startTestMaster();
    const store = master.store;
    const commit = store.commit.bind(store);
    let commits = 0;
    // Durable at once underneath, answered a few milliseconds later: several turns wait at a time.
    store.commit = () => {
      void commit();
      commits++;
      return new Promise<void>((resolve) => setTimeout(resolve, 3));
    };
    const [sender, receiver] = [await connect(), await connect({ name: 'r' })];
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    for (const [i, line] of lines.entries()) {
      sender.send(line);
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await waitFor(() => receiver.received.length === lines.length, '500 lines');
    expect(receiver.received.map((m) => m.text)).toEqual(lines);
    expect(commits).toBeGreaterThan(1);
    store.commit = commit;
  });
});

describe('frame validation', () => {
  it('answers a malformed frame with an error code and keeps the connection', async () => {
    master = await startTestMaster();
    const [a, b] = [await connect(), await connect()];
    a.send('{"type": "chat", ');
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'bad_json' });
    a.send('{"type":"teleport"}');
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'unknown_type', ref: 'teleport' });
    a.sendJson({ type: 'hello', name: '' });
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'invalid_frame', ref: 'hello' });
    a.sendJson({ type: 'welcome', id: 'x' });
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'invalid_frame' });
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'invalid_frame' });
    a.send('still here');
    expect((await b.next()).text).toBe('still here');
    expect(b.received).toEqual([]);
  });

  it('closes a connection that sends a frame over the size limit with 1009, and only that one', async () => {
    master = await startTestMaster({ maxPayloadBytes: 4096 });
    const [big, other] = [await connect(), await connect({ name: 'other' })];
    big.send('x'.repeat(4097));
    expect((await big.whenClosed()).code).toBe(1009);
    const fresh = await connect();
    fresh.send('after');
    expect((await other.next()).text).toBe('after');
  });

  it('refuses master-only frames from clients without answering error frames with errors', async () => {
    master = await startTestMaster();
    const a = await connect({ name: 'a' });
    a.sendJson({ type: 'node_status', event: 'updated', node: { id: 'x', name: 'x', tags: [], status: 'online', connectedAt: '', lastActivity: '', address: '', capabilities: {} } });
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'unexpected_frame', ref: 'node_status' });
    a.sendJson({ type: 'error', code: 'internal', message: 'node-side failure' });
    a.sendJson({ type: 'hello', name: 'a' });
    expect((await a.next()).json).toMatchObject({ type: 'error', code: 'unexpected_frame', ref: 'hello' });
    expect(a.received).toEqual([]);
  });
});

describe('hostile input', () => {
  /** Deterministic pseudo-random numbers, so a failure can be replayed. */
  function random(seed: number): () => number {
    return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  }
  const TYPES = ['hello', 'welcome', 'error', 'chat', 'node_status', 'command', 'response', 'x', '', 7, null];
  const VALUES = [null, true, 0, -1, 1e308, '', 'x'.repeat(300), [], {}, { platform: 'slack' }, { platform: 'telegram', chat_id: 'a' }, ['a', 2]];

  function junkFrame(next: () => number): string {
    const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)] as T;
    const roll = next();
    if (roll < 0.2) return `{${String.fromCharCode(...Array.from({ length: 20 }, () => 32 + Math.floor(next() * 94)))}`;
    if (roll < 0.3) return JSON.stringify(pick(VALUES));
    const frame: Record<string, unknown> = { type: pick(TYPES) };
    for (const key of ['name', 'role', 'tags', 'text', 'source', 'target', 'capabilities', 'code', '__proto__', 'constructor']) {
      if (next() < 0.5) frame[key] = pick(VALUES);
    }
    return JSON.stringify(frame);
  }

  it('survives a barrage of random frames and keeps relaying', async () => {
    master = await startTestMaster();
    const [attacker, observer] = [await connect(), await connect({ name: 'observer' })];
    const next = random(42);
    for (let i = 0; i < 2000; i++) attacker.send(junkFrame(next));
    attacker.send('still alive');
    const relayed = await observer.next((m) => m.text === 'still alive', 10_000);
    expect(relayed.text).toBe('still alive');
    const fresh = await connect({ name: 'fresh' });
    fresh.send('and accepting');
    expect((await observer.next((m) => m.text === 'and accepting')).text).toBe('and accepting');
  });
});

describe('identity', () => {
  it('welcomes a hello and lists the node with its name, tags, version and capabilities', async () => {
    master = await startTestMaster({ pingIntervalSec: 7 });
    await connect({ name: 'gpu-box', tags: ['linux', 'gpu'], version: '9.9.9', capabilities: { slots: 2, executors: ['codex'] } });
    const nodes = master.hub.listNodes();
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      name: 'gpu-box',
      tags: ['linux', 'gpu'],
      status: 'online',
      version: '9.9.9',
      capabilities: { slots: 2, executors: ['codex'], chat: true },
    });
    expect(nodes[0]?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Date.parse(nodes[0]?.connectedAt ?? '')).toBeGreaterThan(Date.now() - 5000);
  });

  it('refuses a second node with the same name, and lets the same node replace its stale connection', async () => {
    master = await startTestMaster();
    const first = await connect({ name: 'box', nodeId: 'node-aaaaaaaa' });
    const impostor = await connect();
    impostor.sendJson({ type: 'hello', name: 'box', nodeId: 'node-bbbbbbbb' });
    expect((await impostor.next()).json).toMatchObject({ type: 'error', code: 'name_taken' });
    expect((await impostor.whenClosed()).code).toBe(4009);
    const again = await connect({ name: 'box', nodeId: 'node-aaaaaaaa' });
    expect(master.hub.listNodes().map((n) => n.name)).toEqual(['box']);
    expect((await first.whenClosed()).code).toBe(4000);
    expect(again.closed).toBeUndefined();
    expect(master.hub.listNodes()).toHaveLength(1);
  });
});

describe('bridge envelopes', () => {
  const command = {
    type: 'command',
    source: { platform: 'slack', channel: 'C1', thread_ts: '1.2', user: 'U1', user_name: 'june' },
    text: 'deploy staging',
    raw_event: { type: 'message' },
  };
  const response = { type: 'response', target: { platform: 'telegram', chat_id: 123, message_id: 42 }, text: '✅ done' };

  it('relays commands from a bridge to the nodes and responses to the other bridges, unchanged', async () => {
    master = await startTestMaster();
    const bridge = await connect({ name: 'bridge-1', role: 'bridge' });
    const answerer = await connect({ name: 'answerer', role: 'bridge' });
    const [n1, n2] = [await connect({ name: 'n1' }), await connect({ name: 'n2' })];
    const commandText = JSON.stringify(command, null, 1);
    bridge.send(commandText);
    expect((await n1.next((m) => m.json?.type === 'command')).text).toBe(commandText);
    expect((await n2.next((m) => m.json?.type === 'command')).text).toBe(commandText);
    answerer.sendJson(response);
    expect((await bridge.next((m) => m.json?.type === 'response')).json).toEqual(response);
    expect([...n1.received, ...n2.received].filter((m) => m.json?.type === 'response')).toEqual([]);
    expect(master.hub.listNodes().map((n) => n.name).sort()).toEqual(['n1', 'n2']);
  });

  it('lets no node credential speak into chats', async () => {
    master = await startTestMaster();
    const bridge = await connect({ name: 'bridge-1', role: 'bridge' });
    const [n1, n2] = [await connect({ name: 'n1' }), await connect()];
    for (const node of [n1, n2]) {
      node.sendJson(response);
      expect((await node.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'response' });
      node.sendJson(command);
      expect((await node.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'command' });
    }
    n1.send('a chat line still reaches the other nodes');
    await n2.next((m) => m.text === 'a chat line still reaches the other nodes');
    expect(bridge.received.filter((m) => m.json?.type === 'response' || m.json?.type === 'command')).toEqual([]);
  });

  it('treats a seed bridge (no hello) with the bridge credential as a bridge', async () => {
    master = await startTestMaster();
    const seedBridge = await TestClient.connect(master.wsUrl, master.bridgeToken.value);
    clients.push(seedBridge);
    const node = await connect({ name: 'n1' });
    seedBridge.sendJson(command);
    await node.next((m) => m.json?.type === 'command');
    expect(master.hub.listNodes().map((n) => n.name)).toEqual(['n1']);
    seedBridge.sendJson({ type: 'hello', name: 'sneaky', role: 'node' });
    expect((await seedBridge.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'hello' });
    expect(await seedBridge.whenClosed()).toMatchObject({ code: 4003 });
    expect(master.hub.listNodes().map((n) => n.name)).toEqual(['n1']);
  });

  it('stamps structured chat with the sender and tells bridges about node status', async () => {
    master = await startTestMaster();
    const bridge = await connect({ name: 'bridge-1', role: 'bridge' });
    const [a, b] = [await connect({ name: 'a' }), await connect({ name: 'b' })];
    a.sendJson({ type: 'chat', text: 'hi', from: { id: 'forged', name: 'forged' } });
    expect((await b.next()).json).toMatchObject({ type: 'chat', text: 'hi', from: { name: 'a' } });
    const status = await bridge.next((m) => m.json?.type === 'node_status' && m.json.event === 'updated');
    expect(status.json).toMatchObject({ node: { name: 'a', status: 'online' } });
    b.close();
    await bridge.next((m) => m.json?.type === 'node_status' && m.json.event === 'disconnected');
  });
});

describe('heartbeat and stalled consumers', () => {
  it('turns a client that stops answering pings unresponsive, then drops it', async () => {
    master = await startTestMaster({ pingIntervalSec: 0.1, maxMissedPings: 3 });
    const healthy = await connect({ name: 'healthy' });
    const mute = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'mute' }, { autoPong: false });
    clients.push(mute);
    const statusOf = (name: string) => master.hub.listNodes().find((n) => n.name === name)?.status;
    await waitFor(() => statusOf('mute') === 'unresponsive', 'mute to turn unresponsive');
    expect(statusOf('healthy')).toBe('online');
    expect((await mute.whenClosed()).code).toBe(1006);
    await waitFor(() => master.hub.listNodes().length === 1, 'the mute node to be dropped');
    expect(master.hub.listNodes().map((n) => n.name)).toEqual(['healthy']);
    expect(healthy.closed).toBeUndefined();
  });

  it('brings an unresponsive node back online as soon as it says something', async () => {
    master = await startTestMaster({ pingIntervalSec: 0.1, maxMissedPings: 50 });
    const quiet = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'quiet' }, { autoPong: false });
    clients.push(quiet);
    await waitFor(() => master.hub.listNodes()[0]?.status === 'unresponsive', 'quiet to turn unresponsive');
    quiet.send('back');
    await waitFor(() => master.hub.listNodes()[0]?.status === 'online', 'quiet to be online again');
  });

  it('drops a consumer that stops reading once its send buffer passes the limit', async () => {
    master = await startTestMaster({ maxSendBufferBytes: 256 * 1024 });
    const stalled = await connect({ name: 'stalled' });
    const reader = await connect({ name: 'reader' });
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = 'y'.repeat(60 * 1024);
    for (let i = 0; i < 200 && master.hub.listNodes().some((n) => n.name === 'stalled'); i++) {
      master.hub.broadcast(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => !master.hub.listNodes().some((n) => n.name === 'stalled'), 'the stalled consumer to be dropped');
    await waitFor(() => reader.received.length > 0, 'the reader to keep receiving');
    expect(reader.closed).toBeUndefined();
  });
});

describe('shutdown', () => {
  it('closes every connection with 1001', async () => {
    master = await startTestMaster();
    const [a, b] = [await connect(), await connect({ name: 'b' })];
    await master.close();
    expect(await a.whenClosed()).toEqual({ code: 1001, reason: 'master shutting down' });
    expect((await b.whenClosed()).code).toBe(1001);
  });
});
