/**
 * The Codex bench's baseline: `codex app-server` driven directly with newline-delimited JSON-RPC,
 * as little code as a turn needs, so whatever our pipeline adds shows against it. Written here
 * rather than reusing src/codex so that the baseline does not share our driver's costs.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: { threadId?: string; turn?: { status?: string; error?: unknown } };
  result?: unknown;
  error?: { message?: string };
}

export interface TurnSettings {
  cwd: string;
  prompt: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class RawAppServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  /** `turn/completed` waiters by thread id. */
  private readonly turns = new Map<string, Pending>();
  private nextId = 1;
  private carry = '';
  private stderr = '';

  private constructor(command: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(command, ['app-server'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.child.on('exit', (code, signal) => this.failAll(new Error(`codex app-server exited (${code ?? signal}): ${this.stderr}`)));
    this.child.on('error', (error) => this.failAll(error));
  }

  /** Spawns the server and completes the handshake. */
  static async start(command: string, env: NodeJS.ProcessEnv): Promise<RawAppServer> {
    const server = new RawAppServer(command, env);
    await server.request('initialize', { clientInfo: { name: 'csc_bench', title: 'csc bench', version: '0' }, capabilities: { experimentalApi: false } });
    server.send({ method: 'initialized' });
    return server;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** One turn on a fresh thread; resolves with the turn's status once `turn/completed` arrives. */
  async runTurn({ cwd, prompt }: TurnSettings): Promise<string> {
    const started = (await this.request('thread/start', { cwd, approvalPolicy: 'never', sandbox: 'workspace-write' })) as { thread: { id: string } };
    const threadId = started.thread.id;
    // Registered before turn/start: the notification may overtake the request's answer.
    const completed = new Promise<unknown>((resolve, reject) => this.turns.set(threadId, { resolve, reject }));
    await this.request('turn/start', { threadId, input: [{ type: 'text', text: prompt, text_elements: [] }] });
    return String(await completed);
  }

  /** Synchronous, for an 'exit' handler: the server must not outlive the bench. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await exited;
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} got no answer in ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
      const settle = <T>(then: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        then(value);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.send({ id, method, params });
    });
  }

  private send(message: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private onData(chunk: string): void {
    const lines = (this.carry + chunk).split('\n');
    this.carry = lines.pop() ?? '';
    for (const line of lines) if (line.length > 0) this.onMessage(JSON.parse(line) as RpcMessage);
  }

  private onMessage(message: RpcMessage): void {
    if (message.method === undefined) return this.onAnswer(message);
    // A request from the server (an approval): never expected with approvalPolicy "never".
    if (message.id !== undefined) return this.send({ id: message.id, error: { code: -32601, message: `the bench does not answer ${message.method}` } });
    if (message.method !== 'turn/completed') return;
    const threadId = message.params?.threadId ?? '';
    const turn = message.params?.turn;
    this.turns.get(threadId)?.resolve(turn?.status === 'failed' ? `failed: ${JSON.stringify(turn.error)}` : turn?.status);
    this.turns.delete(threadId);
  }

  private onAnswer(message: RpcMessage): void {
    const pending = this.pending.get(Number(message.id));
    this.pending.delete(Number(message.id));
    if (message.error) pending?.reject(new Error(message.error.message ?? JSON.stringify(message.error)));
    else pending?.resolve(message.result);
  }

  private failAll(error: Error): void {
    for (const waiter of [...this.pending.values(), ...this.turns.values()]) waiter.reject(error);
    this.pending.clear();
    this.turns.clear();
  }
}
