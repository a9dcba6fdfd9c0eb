import { silentLogger, type Logger } from '../log/index.js';
import { AppServerClient, type ServerRequestHandler } from './app-server-client.js';
import { defaultCodexCommand, launcherArgs, readCodexVersion, type CodexSubcommand } from './codex-binary.js';
import { AppServerExitedError, CodexStartError, DriverClosedError, type ExitInfo } from './errors.js';
import type { DriverStatus, TurnDriverOptions } from './turn-driver.js';

/** What a driver adds to the process: its protocol's handshake and how it takes what the server sends. */
export interface ServerProtocol {
  subcommand: CodexSubcommand;
  /** Completes the handshake on a fresh process; a throw kills it and fails the start. */
  handshake(client: AppServerClient): Promise<void>;
  onNotification(method: string, params: unknown): void;
  onServerRequest: ServerRequestHandler;
  /** The process died: whatever ran on it fails with `error`. */
  onExit(error: AppServerExitedError): void;
}

/** One server process and whether its handshake is done. */
interface Session {
  client: AppServerClient;
  startedAt: number;
  ready: boolean;
}

/** A process that stayed up this long was healthy: its crash restarts without accumulated delay. */
const STABLE_AFTER_MS = 60_000;

/**
 * One warm Codex server process, whichever protocol it speaks: started on first use, restarted
 * with backoff when it dies (a crash loop backs off up to `restartBackoff.maxMs`).
 */
export class WarmServer {
  readonly command: string;
  readonly args: string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Logger;
  private readonly label: string;
  private session: Session | undefined;
  private starting: Promise<AppServerClient> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes = 0;
  private closed = false;
  private versionPromise: Promise<string> | undefined;

  constructor(
    private readonly options: TurnDriverOptions,
    private readonly protocol: ServerProtocol,
  ) {
    this.command = options.command ?? defaultCodexCommand();
    const overrides = Object.entries(options.configOverrides ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    this.args = [...(options.args ?? [protocol.subcommand]), ...overrides];
    this.env = mergeEnv(options.baseEnv, options.env ?? {});
    this.log = options.log ?? silentLogger();
    this.label = `codex ${protocol.subcommand}`;
  }

  /** The process once its handshake is done, started (or waited for) as needed. */
  ready(): Promise<AppServerClient> {
    if (this.closed) return Promise.reject(new DriverClosedError());
    if (this.session?.ready) return Promise.resolve(this.session.client);
    clearTimeout(this.restartTimer);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** The process if it is up and past its handshake; undefined rather than starting one. */
  get client(): AppServerClient | undefined {
    return this.session?.ready ? this.session.client : undefined;
  }

  /** The Codex version, from `<command> [launcher args] --version` (cached once it succeeds). */
  version(): Promise<string> {
    this.versionPromise ??= readCodexVersion(this.command, this.env, launcherArgs(this.args, this.protocol.subcommand));
    this.versionPromise.catch(() => (this.versionPromise = undefined));
    return this.versionPromise;
  }

  status(): DriverStatus {
    const session = this.session;
    const running = session?.client.running ?? false;
    return {
      running,
      ready: running && (session?.ready ?? false),
      pid: running ? session?.client.pid : undefined,
      uptimeSec: running && session ? Math.floor((Date.now() - session.startedAt) / 1000) : 0,
    };
  }

  /** Stops the process for good; nothing starts it again. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    await this.session?.client.close();
  }

  private async spawn(): Promise<AppServerClient> {
    const client = new AppServerClient({
      command: this.command,
      args: this.args,
      env: this.env,
      log: this.log,
      label: this.label,
      ...(this.options.requestTimeoutMs !== undefined && { requestTimeoutMs: this.options.requestTimeoutMs }),
      onNotification: (method, params) => this.protocol.onNotification(method, params),
      onServerRequest: (method, params) => this.protocol.onServerRequest(method, params),
    });
    const session: Session = { client, startedAt: Date.now(), ready: false };
    this.session = session;
    void client.exited.then((exit) => this.onExit(session, exit));
    try {
      await this.protocol.handshake(client);
    } catch (error) {
      client.kill('SIGKILL');
      throw new CodexStartError(`could not start ${this.command} ${this.args.join(' ')}: ${(error as Error).message}`, { cause: error });
    }
    if (this.closed) {
      await client.close();
      throw new DriverClosedError();
    }
    session.ready = true;
    this.log.info({ codexPid: client.pid }, `${this.label} ready`);
    return client;
  }

  private onExit(session: Session, exit: ExitInfo): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.protocol.onExit(new AppServerExitedError(exit, 'while a turn was running', this.label));
    if (this.closed || !session.ready) return;
    this.log.warn({ code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-500) }, `${this.label} died; restarting`);
    if (Date.now() - session.startedAt >= STABLE_AFTER_MS) this.crashes = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const { initialMs, maxMs } = this.options.restartBackoff ?? { initialMs: 250, maxMs: 30_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.crashes++, 20));
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.ready().catch((error: unknown) => {
        this.log.warn({ err: error }, `${this.label} restart failed`);
        if (!this.closed) this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }
}

function mergeEnv(base: NodeJS.ProcessEnv, overrides: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
