import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const CSC = fileURLToPath(new URL('../../bin/csc.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_CHARS = 8000;
const running = new Set<ChildProcess>();

/** Kills every master process still running (call it in `afterEach` / on exit). */
export function killMasterProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface MasterProcessOptions {
  dataDir: string;
  /** Extra environment (MASTER_* settings); the parent's own is not passed on. */
  env?: Record<string, string>;
}

/**
 * The built master (`bin/csc.js master`) as a child process on a data dir, for faults that are
 * about the master's process: `kill()` is a SIGKILL, `restart()` starts it again on the same data
 * dir and the same ports, as a supervisor would.
 */
export class MasterProcess {
  wsPort = 0;
  httpPort = 0;
  /** When the current process printed its addresses (performance.now()). */
  readyAt = 0;
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(private readonly options: MasterProcessOptions) {}

  /** Starts a master on ephemeral ports; resolves once it listens on both. */
  static async start(options: MasterProcessOptions): Promise<MasterProcess> {
    const master = new MasterProcess(options);
    await master.launch();
    return master;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The node credential the master generated in its data dir. */
  nodeToken(): string {
    return readFileSync(join(this.options.dataDir, 'master-token'), 'utf8').trim();
  }

  /** `fetch` against the API with the admin token, straight to the master (`base` to go another way, e.g. a proxy). */
  api(path: string, init: RequestInit = {}, base = this.httpUrl): Promise<Response> {
    const token = readFileSync(join(this.options.dataDir, 'admin-token'), 'utf8').trim();
    return fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  }

  /** The last of its stdout and stderr, for failure messages. */
  tail(): string {
    return this.output.slice(-OUTPUT_TAIL_CHARS);
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the master again on the same data dir and ports (after `kill`). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  private async launch(): Promise<void> {
    const args = [CSC, 'master', '--port', String(this.wsPort), '--http-port', String(this.httpPort), '--data-dir', this.options.dataDir];
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...this.options.env };
    // The last run's banner must not pass for this one's.
    this.output = '';
    // Its cwd is the data dir, so that a developer's .env in the repository cannot change the setup.
    const child = spawn(process.execPath, args, { cwd: this.options.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.on('exit', () => running.delete(child));
    const keep = (chunk: Buffer): void => void (this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const ports = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the master exited (${child.exitCode}) before it listened:\n${this.tail()}`);
        const ws = /ws:\/\/127\.0\.0\.1:(\d+)/.exec(this.output);
        const http = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(this.output);
        return ws && http ? { ws: Number(ws[1]), http: Number(http[1]) } : undefined;
      },
      'the master to listen',
      START_TIMEOUT_MS,
    );
    this.readyAt = performance.now();
    this.wsPort = ports.ws;
    this.httpPort = ports.http;
  }
}
