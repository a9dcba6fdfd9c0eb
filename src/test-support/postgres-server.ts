import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { checkPostgresBin, findPostgresBin, giveToServerUser, POSTGRES_ROOT, PostgresMissingError, processRunning, runPostgresBin, runPostgresBinSync } from './postgres-binaries.js';
import { waitFor } from './wait.js';

export { PostgresCommandError, PostgresMissingError, processRunning } from './postgres-binaries.js';

/** The cluster's only role: a superuser, trusted without a password (the server listens on 127.0.0.1 alone). */
export const POSTGRES_USER = 'csc';
/** A free port can be taken between our probe and the server's bind: that many tries. */
const PORT_ATTEMPTS = 3;
const WAIT_SECONDS = '30';
const EXIT_WAIT_MS = 10_000;
const LOG_TAIL_CHARS = 4000;
/** A test cluster outlives no power cut, so fsync would only slow every commit down. */
const TEST_SETTINGS: Record<string, string> = { fsync: 'off' };
/** A plain identifier, so that it needs no quoting in `CREATE DATABASE`. */
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** What a setting's value may be: it travels through pg_ctl's shell, single-quoted. */
const SETTING_VALUE = /^[\w.:/ -]*$/;

/** The server did not start: the port it tried and the end of its log, pg_ctl's failure as `cause`. */
export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
  constructor(
    readonly port: number,
    readonly log: string,
    options?: { cause?: unknown },
  ) {
    super(`PostgreSQL did not start on 127.0.0.1:${port}: ${log.trim() || (options?.cause as Error | undefined)?.message}`, options);
  }
}

export interface PostgresServerOptions {
  /** The server binaries: the newest under /usr/lib/postgresql by default. */
  binDir?: string;
  /** A fixed port instead of a free one (tried once). */
  port?: number;
  /** Server settings (`postgresql.conf` names) over the test defaults, e.g. `{ fsync: 'on' }` to measure durable commits. */
  settings?: Record<string, string>;
}

/** Servers not stopped yet, stopped at once if the process exits without `stop()` (a crashed test file). */
const live = new Set<PostgresServer>();
let exitHookInstalled = false;

/**
 * A private PostgreSQL cluster for tests: its own data dir and socket dir in a temp dir, on a port
 * of 127.0.0.1, one superuser `csc` with trust authentication. `stop()` shuts it down (fast) and
 * removes the temp dir. As root the binaries run as the `postgres` user, which owns the temp dir.
 */
export class PostgresServer {
  private stopped = false;

  private constructor(
    private readonly bin: string,
    /** The temp dir: the data dir, the socket and the log are in it. */
    readonly dir: string,
    readonly port: number,
    /** The postmaster's process id. */
    readonly pid: number,
  ) {}

  /** Creates a cluster and starts it; resolves once it accepts connections. */
  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const bin = options.binDir ?? findPostgresBin();
    if (!bin) throw new PostgresMissingError(`${POSTGRES_ROOT}/*/bin/initdb`);
    checkPostgresBin(bin);
    const dir = mkdtempSync(join(tmpdir(), 'csc-postgres-'));
    try {
      giveToServerUser(dir);
      await runPostgresBin(bin, 'initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', POSTGRES_USER, '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'], dir);
      const port = await launch(bin, dir, options);
      const server = new PostgresServer(bin, dir, port, readPostmasterPid(dir));
      trackLive(server);
      return server;
    } catch (error) {
      abandon(bin, dir);
      throw error;
    }
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** `postgres://csc@127.0.0.1:PORT/<database>`. */
  url(database = 'postgres'): string {
    return `postgres://${POSTGRES_USER}@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates an empty database (one per test file) and gives its URL. */
  async createDatabase(name: string): Promise<string> {
    if (!DATABASE_NAME.test(name)) throw new RangeError(`not a plain database name (a-z, 0-9, _): ${name}`);
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Shuts the server down (fast: open sessions are ended) and removes its temp dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    try {
      await runPostgresBin(this.bin, 'pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', WAIT_SECONDS, 'stop'], this.dir);
      // pg_ctl returns once the pid file is gone, which the postmaster removes just before it exits.
      await waitFor(() => !processRunning(this.pid), `the postmaster (pid ${this.pid}) to exit`, EXIT_WAIT_MS);
    } catch (error) {
      // A server that is gone already (killed by its test) has nothing left to stop.
      if (processRunning(this.pid)) throw error;
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** `stop()` for the exit handler: immediate, synchronous, never throws. */
  stopNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    abandon(this.bin, this.dir);
  }
}

let workerServer: Promise<PostgresServer> | undefined;

/** This process's server (one per vitest worker), started on first use; stop it with `stopWorkerPostgres` in `afterAll`. */
export function workerPostgres(): Promise<PostgresServer> {
  workerServer ??= PostgresServer.start();
  return workerServer;
}

/** Stops this process's server if one was started; the next `workerPostgres()` starts a fresh one. */
export async function stopWorkerPostgres(): Promise<void> {
  const server = workerServer;
  workerServer = undefined;
  // A server that never started has failed its caller already: nothing to stop.
  await server?.then((started) => started.stop(), () => undefined);
}

/**
 * Whether the PostgreSQL tests can run. Without the server binaries they are skipped on a
 * developer's machine, loudly, but under CI they must run: there missing binaries fail the suite.
 */
export function postgresAvailable(): boolean {
  if (findPostgresBin()) return true;
  if (process.env.CI) return true;
  console.warn(`\n*** ${POSTGRES_ROOT}/*/bin/initdb is missing: SKIPPING the PostgreSQL tests. Install it: apt-get install -y postgresql ***\n`);
  return false;
}

/** Starts the cluster in `dir` on a free port (or `options.port`), trying another port if one was taken meanwhile. */
async function launch(bin: string, dir: string, options: PostgresServerOptions): Promise<number> {
  const log = join(dir, 'postgres.log');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const args = ['-D', join(dir, 'data'), '-l', log, '-w', '-t', WAIT_SECONDS, '-o', serverArgs(dir, port, options.settings), 'start'];
    const logStart = fileSize(log);
    try {
      await runPostgresBin(bin, 'pg_ctl', args, dir);
      return port;
    } catch (error) {
      const tail = readFrom(log, logStart).slice(-LOG_TAIL_CHARS);
      const portTaken = tail.includes('Address already in use');
      if (!portTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw new PostgresStartError(port, tail, { cause: error });
    }
  }
}

/** The postmaster's options, as pg_ctl's `-o` passes them through a shell. */
function serverArgs(dir: string, port: number, settings: Record<string, string> = {}): string {
  const all: Record<string, string> = { ...TEST_SETTINGS, listen_addresses: '127.0.0.1', unix_socket_directories: dir, ...settings };
  const args = [`-p ${port}`];
  for (const [name, value] of Object.entries(all)) {
    if (!/^\w+$/.test(name) || !SETTING_VALUE.test(value)) throw new RangeError(`unsupported PostgreSQL setting: ${name}=${value}`);
    args.push(`-c '${name}=${value}'`);
  }
  return args.join(' ');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What the log says from byte `start` on: the latest attempt's lines (none if it never began). */
function readFrom(path: string, start: number): string {
  try {
    return readFileSync(path).subarray(start).toString('utf8');
  } catch {
    return '';
  }
}

function readPostmasterPid(dir: string): number {
  const pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new PostgresStartError(0, `unreadable postmaster.pid in ${dir}`);
  return pid;
}

/** Stops whatever runs in `dir` at once and removes it: for failed starts and the exit handler. */
function abandon(bin: string, dir: string): void {
  try {
    runPostgresBinSync(bin, 'pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', '-t', WAIT_SECONDS, 'stop'], dir);
  } catch {
    // Nothing was running (initdb or the start failed): only the directory is left.
  }
  rmSync(dir, { recursive: true, force: true });
}

function trackLive(server: PostgresServer): void {
  live.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test file that crashes or times out never reaches its afterAll: its servers must not outlive it.
  process.on('exit', () => {
    for (const running of [...live]) running.stopNow();
  });
}
