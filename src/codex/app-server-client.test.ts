import { childEnvironment } from '../config/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../log/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { AppServerClient, AppServerExitedError, CodexDriver, CodexStartError, DriverClosedError, JsonRpcError, RequestTimeoutError, type CodexEvent } from './index.js';

/** A stand-in app-server: answers a few methods and mixes in lines that are not JSON-RPC. */
const FAKE_SERVER = `
import { createInterface } from 'node:readline';
const out = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const raw = (text) => process.stdout.write(text + '\\n');
const answers = new Map();
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === undefined) return answers.get(m.id)?.(m);
  switch (m.method) {
    case 'initialize':
      raw('this is not json'); raw('{"truncated": '); raw('[1, 2, 3]'); raw('{"id": {"an": "object"}}'); raw('{}'); raw('');
      return out({ id: m.id, result: { userAgent: 'fake' } });
    case 'echo': return out({ id: m.id, result: m.params });
    case 'fail': return out({ id: m.id, error: { code: -32000, message: 'nope' } });
    case 'hang': return;
    case 'ask':
      answers.set('s1', (answer) => out({ id: m.id, result: answer }));
      return out({ id: 's1', method: 'please/decide', params: { question: 1 } });
    case 'die': process.stderr.write('Error: fake crash\\n  0: <unknown>\\n'); return process.exit(3);
    case 'thread/start': return out({ id: m.id, result: { thread: { id: 'th1' } } });
    case 'turn/start':
      out({ id: m.id, result: { turn: { id: 'tu1' } } });
      out({ method: 'turn/started', params: { threadId: 'th1', turn: { id: 'tu1' } } });
      raw('garbage in the middle of a turn');
      out({ method: 'item/completed', params: { threadId: 'th1', turnId: 'tu1', item: { type: 'commandExecution', id: 'c1' } } });
      out({ method: 'some/new/thing', params: { threadId: 'th1' } });
      out({ method: 'item/completed', params: { threadId: 'th1', turnId: 'tu1', item: { type: 'agentMessage', id: 'm1', text: 'fine' } } });
      return out({ method: 'turn/completed', params: { threadId: 'th1', turn: { id: 'tu1', status: 'completed', error: null } } });
  }
});
`;

const script = join(tempDir('csc-fake-codex-'), 'fake-app-server.mjs');
writeFileSync(script, FAKE_SERVER);
const clients: AppServerClient[] = [];

function captureLog(): { log: Logger; lines: Array<{ msg: string }> } {
  const lines: Array<{ msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { log: pino<never>({ level: 'warn' }, sink), lines };
}

function fakeClient(options: Partial<ConstructorParameters<typeof AppServerClient>[0]> = {}): AppServerClient {
  const client = new AppServerClient({ command: process.execPath, args: [script], env: childEnvironment(), log: silentLogger(), ...options });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(500)));
});
afterAll(removeTempDirs);

describe('AppServerClient', () => {
  it('skips malformed lines with a warning and still matches answers without a jsonrpc field', async () => {
    const { log, lines } = captureLog();
    const client = fakeClient({ log });
    expect(await client.request('initialize', {})).toEqual({ userAgent: 'fake' });
    expect(await client.request('echo', { a: [1] })).toEqual({ a: [1] });
    expect(lines.filter((line) => line.msg.startsWith('skipping')).length).toBe(5);
    expect(client.running).toBe(true);
  });

  it('rejects with JsonRpcError and RequestTimeoutError', async () => {
    const client = fakeClient();
    await expect(client.request('fail')).rejects.toMatchObject({ name: 'JsonRpcError', code: -32000, rpcMessage: 'nope' });
    await expect(client.request('fail')).rejects.toBeInstanceOf(JsonRpcError);
    await expect(client.request('hang', undefined, 100)).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('hands server requests to the handler and sends back its answer or an error', async () => {
    const handled: unknown[] = [];
    const answering = fakeClient({ onServerRequest: (method, params) => handled.push({ method, params }) && { decision: 'decline' } });
    expect(await answering.request('ask')).toMatchObject({ id: 's1', result: { decision: 'decline' } });
    expect(handled).toEqual([{ method: 'please/decide', params: { question: 1 } }]);
    expect(await fakeClient().request('ask')).toMatchObject({ id: 's1', error: { code: -32601 } });
  });

  it('fails waiting and later requests with AppServerExitedError when the process dies', async () => {
    const client = fakeClient();
    const dying = client.request('die');
    await expect(dying).rejects.toBeInstanceOf(AppServerExitedError);
    await expect(dying).rejects.toThrow('exited with code 3 while waiting for die: Error: fake crash');
    await expect(client.request('echo')).rejects.toThrow(/before echo/);
    expect(client.running).toBe(false);
  });

  it('reports a command that cannot be started', async () => {
    const client = fakeClient({ command: join(tempDir(), 'no-such-codex') });
    expect((await client.exited).spawnError).toBeInstanceOf(Error);
    await expect(client.request('initialize')).rejects.toThrow(/could not be started/);
  });
});

describe('CodexDriver against the fake server', () => {
  it('runs a turn through malformed lines and unknown notifications', async () => {
    const driver = new CodexDriver({ baseEnv: childEnvironment(), command: process.execPath, args: [script] });
    const events: CodexEvent[] = [];
    const result = await driver.runTurn({ cwd: tempDir(), prompt: 'hi', onEvent: (e) => events.push(e) });
    expect(result).toEqual({ threadId: 'th1', turnId: 'tu1', status: 'completed', finalMessage: 'fine' });
    expect(events.map((e) => e.type)).toEqual(['turn_started', 'other', 'other', 'agent_message', 'turn_completed']);
    expect(events[2]).toEqual({ type: 'other', method: 'some/new/thing' });
    await driver.close();
    await expect(driver.runTurn({ cwd: tempDir(), prompt: 'again' })).rejects.toBeInstanceOf(DriverClosedError);
  });

  it('rejects start() with CodexStartError when the command does not exist', async () => {
    const driver = new CodexDriver({ baseEnv: childEnvironment(), command: join(tempDir(), 'no-such-codex') });
    await expect(driver.start()).rejects.toBeInstanceOf(CodexStartError);
    expect(driver.status()).toEqual({ running: false, ready: false, pid: undefined, uptimeSec: 0 });
    await driver.close();
  });
});
