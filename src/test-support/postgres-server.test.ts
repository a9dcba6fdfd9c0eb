import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Pool, type Notification } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresMissingError, PostgresServer, PostgresStartError, postgresAvailable, processRunning, stopWorkerPostgres, workerPostgres } from './postgres-server.js';
import { removeTempDirs, tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A process that starts a server, says where, and exits without stopping it. */
const FORGETFUL_MAIN = `
import { PostgresServer } from './src/test-support/postgres-server.ts';
const server = await PostgresServer.start();
console.log(JSON.stringify({ pid: server.pid, dir: server.dir, port: server.port }));
process.exit(0);
`;

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await stopWorkerPostgres();
  removeTempDirs();
});

async function client(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  closers.push(() => c.end());
  return c;
}

/** The notifications `c` receives, in order. */
function notifications(c: Client): Notification[] {
  const received: Notification[] = [];
  c.on('notification', (n) => received.push(n));
  return received;
}

/** Whether 127.0.0.1:`port` accepts a TCP connection. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every process whose command line names `dir` (the postmaster names its data dir). */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (argv.includes(dir)) found.push(`${pid}: ${argv}`);
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

describe.skipIf(!postgresAvailable())('a private PostgreSQL server for tests', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await workerPostgres();
  });

  it('gives each test file its own database, as csc on 127.0.0.1 only, through a pg Pool', async () => {
    const alpha = await server.createDatabase('g1_alpha');
    const beta = await server.createDatabase('g1_beta');
    expect(alpha).toBe(`postgres://csc@127.0.0.1:${server.port}/g1_alpha`);
    expect(beta).toBe(`postgres://csc@127.0.0.1:${server.port}/g1_beta`);
    const pool = new Pool({ connectionString: alpha, max: 3 });
    // pg-pool's end() resolves once its clients are told to end, not once they have: the server's
    // stop at the end of the file can still reach one, as a 57P01 error, which is no test's failure.
    pool.on('error', () => undefined);
    closers.push(() => pool.end());
    const { rows } = await pool.query<{ db: string; role: string; listen: string; fsync: string }>(
      "SELECT current_database() AS db, current_user AS role, current_setting('listen_addresses') AS listen, current_setting('fsync') AS fsync",
    );
    expect(rows).toEqual([{ db: 'g1_alpha', role: 'csc', listen: '127.0.0.1', fsync: 'off' }]);
    await pool.query('CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL)');
    const inserted = await Promise.all(['one', 'two', 'three', 'four'].map((text) => pool.query('INSERT INTO notes (text) VALUES ($1) RETURNING id', [text])));
    expect(inserted.map((r) => r.rowCount)).toEqual([1, 1, 1, 1]);
    expect((await pool.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 4 }]);
    const other = await client(beta);
    await expect(other.query('SELECT * FROM notes')).rejects.toThrow('relation "notes" does not exist');
  });

  it('carries LISTEN/NOTIFY both ways between two clients, once the sender commits', async () => {
    const url = await server.createDatabase('g1_notify');
    const a = await client(url);
    const b = await client(url);
    const toA = notifications(a);
    const toB = notifications(b);
    await a.query('LISTEN ping');
    await b.query('LISTEN pong');
    const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await b.query('BEGIN');
    await b.query("SELECT pg_notify('ping', $1)", ['job 42 queued']);
    await b.query('COMMIT');
    const ping = await waitFor(() => toA.find((n) => n.channel === 'ping'), 'the ping at a');
    expect(ping).toMatchObject({ channel: 'ping', payload: 'job 42 queued', processId: bPid });
    await a.query("NOTIFY pong, 'claimed by a'");
    const pong = await waitFor(() => toB.find((n) => n.channel === 'pong'), 'the pong at b');
    expect(pong.payload).toBe('claimed by a');
    expect(toA.filter((n) => n.channel === 'pong')).toEqual([]);
  });

  it('stops fast, ending open sessions, and leaves no process, no open port and no files', async () => {
    const own = await PostgresServer.start({ settings: { max_connections: '20' } });
    const session = new Client({ connectionString: own.url() });
    const sessionErrors: Error[] = [];
    session.on('error', (error) => sessionErrors.push(error));
    await session.connect();
    expect((await session.query('SHOW max_connections')).rows).toEqual([{ max_connections: '20' }]);
    expect(processesNaming(own.dir).length).toBeGreaterThan(0);
    expect(await portOpen(own.port)).toBe(true);

    await own.stop();
    expect(processRunning(own.pid)).toBe(false);
    expect(processesNaming(own.dir)).toEqual([]);
    expect(await portOpen(own.port)).toBe(false);
    expect(existsSync(own.dir)).toBe(false);
    // The open session was told (57P01, admin_shutdown) rather than left hanging.
    await waitFor(() => sessionErrors.length > 0, 'the session to hear of the shutdown');
    expect(sessionErrors[0]).toMatchObject({ code: '57P01' });
    await own.stop();
  });

  it('stops the servers of a process that exits without stopping them', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', FORGETFUL_MAIN], { cwd: ROOT, encoding: 'utf8' });
    const left = JSON.parse(stdout) as { pid: number; dir: string; port: number };
    expect(processRunning(left.pid)).toBe(false);
    expect(processesNaming(left.dir)).toEqual([]);
    expect(await portOpen(left.port)).toBe(false);
    expect(existsSync(left.dir)).toBe(false);
  });

  it('says what is missing when there are no server binaries', async () => {
    const empty = tempDir('csc-no-postgres-');
    await expect(PostgresServer.start({ binDir: empty })).rejects.toThrow(PostgresMissingError);
    await expect(PostgresServer.start({ binDir: empty })).rejects.toThrow(/missing \(.*initdb\); install them: apt-get update && apt-get install -y postgresql/);
  });

  it('reports a port in use with the server log', async () => {
    const attempt = PostgresServer.start({ port: server.port });
    await expect(attempt).rejects.toThrow(PostgresStartError);
    await expect(attempt).rejects.toThrow(/Address already in use/);
  });
});
