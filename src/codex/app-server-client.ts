import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Logger } from '../log/index.js';
import { AppServerExitedError, JsonRpcError, RequestTimeoutError, UnsupportedServerRequestError, type ExitInfo } from './errors.js';

/** Answers a request the server sends to the client (approvals); a throw becomes a JSON-RPC error. */
export type ServerRequestHandler = (method: string, params: unknown) => unknown;

export interface AppServerClientOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Names the process in logs and errors; default `codex app-server`. */
  label?: string;
  /** Applies to every request unless the call gives its own; default 30 s. */
  requestTimeoutMs?: number;
  onNotification?: (method: string, params: unknown) => void;
  onServerRequest?: ServerRequestHandler;
}

const idSchema = z.union([z.string(), z.number()]);
const messageSchema = z.object({
  id: idSchema.optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
});
type Message = z.infer<typeof messageSchema>;

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** A request on its way: its id (what the server's notifications and cancellations refer to) and its answer. */
export interface SentRequest {
  id: number;
  result: Promise<unknown>;
}

const STDERR_TAIL_BYTES = 4096;
/** How long to wait for stdout to drain after the process exited before calling it gone. */
const CLOSE_GRACE_MS = 500;
const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

/**
 * JSON-RPC 2.0 over a child process's stdio, one JSON message per line: `codex app-server`, and
 * the legacy `codex mcp-server` (MCP's stdio transport is the same framing). Every message sent
 * carries `"jsonrpc": "2.0"` (MCP requires it); the server may leave it out. Lines that are not
 * valid messages are logged and skipped.
 */
export class AppServerClient {
  /** Resolves once, when the process has exited (or failed to start). */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string | number, Pending>();
  private readonly requestTimeoutMs: number;
  private readonly label: string;
  private nextId = 1;
  private stderrTail = '';
  private exit: ExitInfo | undefined;

  constructor(private readonly options: AppServerClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.label = options.label ?? 'codex app-server';
    this.child = spawn(options.command, [...options.args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.watchExit(resolve));
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.onStderr(chunk));
    // Writing to a process that just died raises EPIPE here; the exit handler reports it.
    this.child.stdin.on('error', (error) => options.log.debug({ err: error }, `${this.label} stdin error`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends a request and resolves with its `result`; rejects with `JsonRpcError`, a timeout or the exit. */
  request(method: string, params?: unknown, timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    return this.send(method, params, timeoutMs).result;
  }

  /**
   * Like `request`, and also says which id the request got. `timeoutMs: Infinity` waits as long as
   * the process lives (an MCP tool call lasts as long as the whole turn).
   */
  send(method: string, params?: unknown, timeoutMs = this.requestTimeoutMs): SentRequest {
    const id = this.nextId++;
    if (this.exit) return { id, result: Promise.reject(new AppServerExitedError(this.exit, `before ${method}`, this.label)) };
    const result = new Promise<unknown>((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.pending.delete(id);
            reject(new RequestTimeoutError(method, timeoutMs, this.label));
          }, timeoutMs)
        : undefined;
      this.pending.set(id, { method, resolve, reject, timer });
      this.write({ id, method, params });
    });
    return { id, result };
  }

  /** Stops waiting for an answer the server will never send (MCP: a cancelled request); its promise stays pending. */
  forget(id: number): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
  }

  notify(method: string, params?: unknown): void {
    if (!this.exit) this.write({ method, params });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exit) this.child.kill(signal);
  }

  /** Closes stdin (the server's cue to exit), then escalates to SIGTERM and SIGKILL if it lingers. */
  async close(graceMs = 2000): Promise<ExitInfo> {
    this.child.stdin.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await this.exitsWithin(graceMs)) break;
      this.kill(signal);
    }
    return this.exited;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const exited = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return exited;
  }

  private write(message: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let message: Message;
    try {
      message = messageSchema.parse(JSON.parse(line));
    } catch (error) {
      this.options.log.warn({ err: error, line: line.slice(0, 500) }, `skipping a malformed line from ${this.label}`);
      return;
    }
    if (message.method !== undefined && message.id !== undefined) this.onServerRequest(message.id, message.method, message.params);
    else if (message.method !== undefined) this.options.onNotification?.(message.method, message.params);
    else if (message.id !== undefined) this.onResponse(message.id, message);
    else this.options.log.warn({ line: line.slice(0, 500) }, `skipping a line from ${this.label} without id or method`);
  }

  private onResponse(id: string | number, message: Message): void {
    const pending = this.pending.get(id);
    if (!pending) {
      this.options.log.debug({ id }, `${this.label} answered a request nobody waits for (timed out or cancelled?)`);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (message.error) pending.reject(new JsonRpcError(pending.method, message.error.code, message.error.message, message.error.data, this.label));
    else pending.resolve(message.result);
  }

  private onServerRequest(id: string | number, method: string, params: unknown): void {
    const handler = this.options.onServerRequest ?? (() => Promise.reject(new UnsupportedServerRequestError(method)));
    Promise.resolve()
      .then(() => handler(method, params))
      .then(
        (result) => this.write({ id, result }),
        (error: unknown) => {
          const code = error instanceof UnsupportedServerRequestError ? METHOD_NOT_FOUND : INTERNAL_ERROR;
          this.write({ id, error: { code, message: error instanceof Error ? error.message : String(error) } });
        },
      )
      .catch((error: unknown) => this.options.log.warn({ err: error, method }, `could not answer a ${this.label} request`));
  }

  private onStderr(chunk: string): void {
    this.options.log.debug({ stderr: chunk.trimEnd() }, `${this.label} stderr`);
    this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
  }

  /** Settles on `close` (all output read) or shortly after `exit`, whichever is first. */
  private watchExit(resolve: (exit: ExitInfo) => void): void {
    const settle = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      if (this.exit) return;
      // eslint-disable-next-line no-control-regex -- Codex colours its log lines with ANSI escapes.
      const stderrTail = this.stderrTail.replace(/\u001b\[[0-9;]*m/g, '');
      this.exit = spawnError ? { code, signal, stderrTail, spawnError } : { code, signal, stderrTail };
      for (const pending of this.pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(new AppServerExitedError(this.exit, `while waiting for ${pending.method}`, this.label));
      }
      this.pending.clear();
      resolve(this.exit);
    };
    this.child.on('error', (error) => {
      if (this.child.pid === undefined) settle(null, null, error);
    });
    this.child.on('close', (code, signal) => settle(code, signal));
    this.child.on('exit', (code, signal) => setTimeout(() => settle(code, signal), CLOSE_GRACE_MS).unref());
  }
}
