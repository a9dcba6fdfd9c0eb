import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killMasterProcesses, MasterProcess } from '../src/test-support/master-process.js';
import { postgresAvailable, stopWorkerPostgres } from '../src/test-support/postgres-server.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { testDatabaseUrl } from '../src/test-support/test-database.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc } from './cli-process.js';

const { csc, killAll } = trackedCsc();
afterEach(() => {
  killAll();
  killMasterProcesses();
});
afterAll(removeTempDirs);

/** The migration files as shipped, read here on their own so that the test does not trust the code it tests. */
const MIGRATIONS = readdirSync(new URL('../migrations', import.meta.url))
  .filter((file) => file.endsWith('.sql'))
  .sort();
const KNOWN = MIGRATIONS.length;

/** A store as an older csc left it: migrations 1..`version` applied, with a node row in it. */
function storeAt(dataDir: string, version: number): string {
  const path = join(dataDir, 'master.db');
  const db = new Database(path);
  for (const file of MIGRATIONS.slice(0, version)) {
    db.transaction(() => {
      db.exec(readFileSync(new URL(`../migrations/${file}`, import.meta.url), 'utf8'));
      db.pragma(`user_version = ${Number(file.slice(0, 4))}`);
    })();
  }
  db.prepare("INSERT INTO nodes (name, tags, first_seen, last_seen) VALUES ('old-node', '[]', '2026-01-01', '2026-01-01')").run();
  db.close();
  return path;
}

/** Not read-only: a read-only connection would leave -wal and -shm files behind. */
function inspect(path: string): { version: number; journal: string; nodes: string[] } {
  const db = new Database(path, { fileMustExist: true });
  try {
    const nodes = db.prepare<[], { name: string }>('SELECT name FROM nodes ORDER BY name').all().map((row) => row.name);
    return { version: db.pragma('user_version', { simple: true }) as number, journal: db.pragma('journal_mode', { simple: true }) as string, nodes };
  } finally {
    db.close();
  }
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = csc(args);
  const code = await proc.exited;
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

const statusLines = (files: string[], state: 'applied' | 'pending') => files.map((file) => `  ${state}  ${file}`);

describe('csc migrate', () => {
  it('on a fresh data dir lists every migration pending without making a database, applies them all, then has none pending', async () => {
    const dataDir = tempDir();
    const database = join(dataDir, 'master.db');
    const before = await run(['migrate', '--status', '--data-dir', dataDir]);
    expect(before).toEqual({
      code: 0,
      stderr: '',
      stdout: [`store: SQLite ${database} (no database yet; this csc knows ${KNOWN})`, ...statusLines(MIGRATIONS, 'pending'), `${KNOWN} pending: csc migrate applies them (so does the master when it starts)`, ''].join('\n'),
    });
    expect(readdirSync(dataDir)).toEqual([]);

    const migrated = await run(['migrate', '--data-dir', dataDir]);
    expect(migrated.code, migrated.stderr).toBe(0);
    const lines = migrated.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`store: SQLite ${database} (no database yet; this csc knows ${KNOWN})`);
    expect(lines.slice(1, -1).map((line) => line.replace(/ \(\d+ ms\)$/, ''))).toEqual(MIGRATIONS.map((file) => `applied ${file}`));
    expect(lines.at(-1)).toBe(`done: schema ${KNOWN}, ${KNOWN} applied`);
    expect(inspect(database)).toEqual({ version: KNOWN, journal: 'wal', nodes: [] });
    expect(statSync(database).mode & 0o777).toBe(0o600);
    // The lock is gone, and the WAL was folded in when the connection closed.
    expect(readdirSync(dataDir)).toEqual(['master.db']);

    const after = await run(['migrate', '--status', '--data-dir', dataDir]);
    expect(after.stdout).toBe([`store: SQLite ${database} (schema ${KNOWN}; this csc knows ${KNOWN})`, ...statusLines(MIGRATIONS, 'applied'), 'none pending', ''].join('\n'));
    // Reading left nothing behind either.
    expect(readdirSync(dataDir)).toEqual(['master.db']);
    const again = await run(['migrate', '--data-dir', dataDir]);
    expect(again.stdout).toBe(`store: SQLite ${database} (schema ${KNOWN}; this csc knows ${KNOWN})\nnothing to apply: it is up to date\n`);
  });

  it('upgrades an old store at schema 9, keeping its rows, and the master then starts on it as it is', async () => {
    const dataDir = tempDir();
    const database = storeAt(dataDir, 9);
    const status = await run(['migrate', '--status', '--data-dir', dataDir]);
    expect(status.stdout).toBe(
      [`store: SQLite ${database} (schema 9; this csc knows ${KNOWN})`, ...statusLines(MIGRATIONS.slice(0, 9), 'applied'), ...statusLines(MIGRATIONS.slice(9), 'pending'), `${KNOWN - 9} pending: csc migrate applies ${KNOWN - 9 === 1 ? 'it' : 'them'} (so does the master when it starts)`, ''].join('\n'),
    );
    expect(inspect(database)).toEqual({ version: 9, journal: 'delete', nodes: ['old-node'] });

    const migrated = await run(['migrate', '--data-dir', dataDir]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout.replace(/ \(\d+ ms\)$/gm, '')).toBe(
      [`store: SQLite ${database} (schema 9; this csc knows ${KNOWN})`, ...MIGRATIONS.slice(9).map((file) => `applied ${file}`), `done: schema ${KNOWN}, ${KNOWN - 9} applied`, ''].join('\n'),
    );
    expect(inspect(database)).toEqual({ version: KNOWN, journal: 'wal', nodes: ['old-node'] });

    const master = await MasterProcess.start({ dataDir });
    expect(master.tail()).toContain(`  Store:      SQLite ${database} (schema ${KNOWN})\n`);
  });

  it('is what the master does at start without it, saying so in its log, with the store it uses', async () => {
    const dataDir = tempDir();
    const database = storeAt(dataDir, 9);
    const master = await MasterProcess.start({ dataDir, env: { LOG_LEVEL: 'info' } });
    // The log goes to stderr asynchronously: it may come after the banner on stdout.
    const logged = await waitFor(() => {
      const lines = master
        .tail()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line) as { msg: string; applied?: string[]; store?: unknown });
      return lines.some((line) => line.msg.startsWith('store: ')) ? lines : undefined;
    }, 'the store line in the log');
    const migratedLine = logged.find((line) => line.msg.startsWith('migrated the store'));
    expect(migratedLine).toMatchObject({ msg: `migrated the store from schema 9 to ${KNOWN}`, applied: MIGRATIONS.slice(9) });
    expect(logged.find((line) => line.msg.startsWith('store: '))).toMatchObject({
      msg: `store: SQLite ${database} (schema ${KNOWN})`,
      store: { engine: 'SQLite', location: database, schemaVersion: KNOWN },
    });
    expect(master.tail()).toContain(`  Store:      SQLite ${database} (schema ${KNOWN})\n`);
    await master.kill();
    expect(inspect(database)).toMatchObject({ version: KNOWN, nodes: ['old-node'] });
  });

  it('refuses a store written by a newer csc, as the master does, changing nothing', async () => {
    const dataDir = tempDir();
    const database = storeAt(dataDir, KNOWN);
    const newer = KNOWN + 2;
    const db = new Database(database);
    db.pragma(`user_version = ${newer}`);
    db.close();
    const refusal = `csc: ${database} was written by a newer csc: schema ${newer}, this csc knows ${KNOWN}; upgrade csc to use it\n`;
    for (const args of [['migrate'], ['migrate', '--status'], ['master', '--port', '0', '--http-port', '0']]) {
      const refused = await run([...args, '--data-dir', dataDir]);
      expect({ args, code: refused.code, stderr: refused.stderr }).toEqual({ args, code: 1, stderr: refusal });
    }
    expect(inspect(database)).toEqual({ version: newer, journal: 'delete', nodes: ['old-node'] });
    expect(existsSync(join(dataDir, 'master.lock'))).toBe(false);
  });

  it('names the file it cannot read as a store', async () => {
    const dataDir = tempDir();
    const database = join(dataDir, 'master.db');
    writeFileSync(database, 'not a database, though long enough to have what would be a header of a hundred bytes, or so');
    for (const args of [['migrate'], ['migrate', '--status']]) {
      const refused = await run([...args, '--data-dir', dataDir]);
      expect({ args, code: refused.code, stderr: refused.stderr }).toEqual({ args, code: 1, stderr: `csc: cannot read the store at ${database}: file is not a database\n` });
    }
  });

  it('refuses to migrate while a master runs on the data dir; --status reads beside it', async () => {
    const dataDir = tempDir();
    const master = await MasterProcess.start({ dataDir });
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'master.lock'), 'utf8')) as { pid: number };
    const refused = await run(['migrate', '--data-dir', dataDir]);
    expect(refused).toEqual({ code: 1, stdout: '', stderr: `csc: a master (pid ${pid} on ${hostname()}) is using ${dataDir}; stop it before migrating\n` });
    const status = await run(['migrate', '--status', '--data-dir', dataDir]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^store: SQLite ${join(dataDir, 'master.db')} \\(schema ${KNOWN}; this csc knows ${KNOWN}\\)\n(.|\n)*none pending\n$`));
    expect((await master.api('/api/health')).status).toBe(200);
    await master.kill();
  });
});

/** PostgreSQL's migration files, read here on their own as SQLite's are above. */
const PG_MIGRATIONS = readdirSync(new URL('../migrations/postgres', import.meta.url))
  .filter((file) => file.endsWith('.sql'))
  .sort();
const PG_KNOWN = PG_MIGRATIONS.length;
const exec = promisify(execFile);
/** The test server trusts every connection from 127.0.0.1: this password is there only to prove that nothing prints it. */
const PASSWORD = 'never-printed-0123456789';

/** A fresh database: its URL with the password, and as csc must show it (without). */
async function database(name: string): Promise<{ url: string; shown: string }> {
  const shown = await testDatabaseUrl(name);
  const url = new URL(shown);
  url.password = PASSWORD;
  return { url: url.toString(), shown };
}

async function runWith(url: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = csc(args, { MASTER_DATABASE_URL: url });
  const code = await proc.exited;
  expect(proc.stdout() + proc.stderr()).not.toContain(PASSWORD);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

async function query(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgresAvailable())('csc migrate, csc master and csc backup on PostgreSQL (MASTER_DATABASE_URL)', () => {
  afterAll(stopWorkerPostgres);

  it('on a fresh database lists every migration pending, applies them all, then has none pending, never printing the password', async () => {
    const { url, shown } = await database('migrate_fresh');
    const dataDir = tempDir();
    const before = await runWith(url, ['migrate', '--status', '--data-dir', dataDir]);
    expect(before).toEqual({
      code: 0,
      stderr: '',
      stdout: [`store: PostgreSQL ${shown} (no schema yet; this csc knows ${PG_KNOWN})`, ...statusLines(PG_MIGRATIONS, 'pending'), `${PG_KNOWN} pending: csc migrate applies ${PG_KNOWN === 1 ? 'it' : 'them'} (so does the master when it starts)`, ''].join('\n'),
    });

    const migrated = await runWith(url, ['migrate', '--data-dir', dataDir]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout.replace(/ \(\d+ ms\)$/gm, '')).toBe(
      [`store: PostgreSQL ${shown} (no schema yet; this csc knows ${PG_KNOWN})`, ...PG_MIGRATIONS.map((file) => `applied ${file}`), `done: schema ${PG_KNOWN}, ${PG_KNOWN} applied`, ''].join('\n'),
    );
    // Nothing of the store went to the data dir: no SQLite file, no lock left.
    expect(readdirSync(dataDir)).toEqual([]);

    const after = await runWith(url, ['migrate', '--status', '--data-dir', dataDir]);
    expect(after.stdout).toBe([`store: PostgreSQL ${shown} (schema ${PG_KNOWN}; this csc knows ${PG_KNOWN})`, ...statusLines(PG_MIGRATIONS, 'applied'), 'none pending', ''].join('\n'));
    const again = await runWith(url, ['migrate', '--data-dir', dataDir]);
    expect(again.stdout).toBe(`store: PostgreSQL ${shown} (schema ${PG_KNOWN}; this csc knows ${PG_KNOWN})\nnothing to apply: it is up to date\n`);
  });

  it('is what the master does at start without it, saying which store it uses, and keeping no SQLite file', async () => {
    const { url, shown } = await database('migrate_master');
    const dataDir = tempDir();
    const master = await MasterProcess.start({ dataDir, env: { MASTER_DATABASE_URL: url, LOG_LEVEL: 'info' } });
    const logged = await waitFor(() => {
      const lines = master
        .tail()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line) as { msg: string; applied?: string[]; store?: unknown });
      return lines.some((line) => line.msg.startsWith('store: ')) ? lines : undefined;
    }, 'the store line in the log');
    expect(logged.find((line) => line.msg.startsWith('migrated the store'))).toMatchObject({ msg: `migrated the store from schema 0 to ${PG_KNOWN}`, applied: PG_MIGRATIONS });
    expect(logged.find((line) => line.msg.startsWith('store: '))).toMatchObject({ msg: `store: PostgreSQL ${shown} (schema ${PG_KNOWN})`, store: { engine: 'PostgreSQL', location: shown, schemaVersion: PG_KNOWN } });
    expect(master.tail()).toContain(`  Store:      PostgreSQL ${shown} (schema ${PG_KNOWN})\n`);
    expect(master.tail()).not.toContain(PASSWORD);
    expect((await master.api('/api/health')).status).toBe(200);
    expect(existsSync(join(dataDir, 'master.db'))).toBe(false);
    await master.kill();
  });

  it('refuses a database written by a newer csc, as the master does, changing nothing', async () => {
    const { url, shown } = await database('migrate_newer');
    expect((await runWith(url, ['migrate', '--data-dir', tempDir()])).code).toBe(0);
    const newer = PG_KNOWN + 2;
    await query(url, `INSERT INTO schema_migrations (version, name) VALUES (${newer}, '${String(newer).padStart(4, '0')}_from_the_future.sql')`);
    const refusal = `csc: ${shown} was written by a newer csc: schema ${newer}, this csc knows ${PG_KNOWN}; upgrade csc to use it\n`;
    for (const args of [['migrate'], ['migrate', '--status'], ['master', '--port', '0', '--http-port', '0']]) {
      const refused = await runWith(url, [...args, '--data-dir', tempDir()]);
      expect({ args, code: refused.code, stderr: refused.stderr }).toEqual({ args, code: 1, stderr: refusal });
    }
  });

  it('names a server it cannot reach without the password, and refuses a URL that is not PostgreSQL', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const unreachable = await runWith(`postgres://csc:${PASSWORD}@127.0.0.1:1/csc`, ['migrate', '--status', '--data-dir', tempDir()]);
    expect(unreachable).toMatchObject({ code: 1, stdout: '' });
    expect(unreachable.stderr).toMatch(/^csc: cannot read the store at postgres:\/\/csc@127\.0\.0\.1:1\/csc: .*ECONNREFUSED/);
    const mysql = await runWith(`mysql://csc:${PASSWORD}@127.0.0.1/csc`, ['migrate', '--data-dir', tempDir()]);
    expect(mysql).toMatchObject({ code: 2, stdout: '' });
    expect(mysql.stderr).toMatch(/^csc: configuration error: MASTER_DATABASE_URL \(environment\): must be a postgres:\/\/ or postgresql:\/\/ URL/);
    // Refused before it connects anywhere.
    const both = csc(['master', '--port', '0', '--http-port', '0', '--data-dir', tempDir()], { MASTER_DATABASE_URL: 'postgres://csc@127.0.0.1:1/csc', MASTER_SQLITE_SYNC: 'normal' });
    expect(await both.exited).toBe(2);
    expect(both.stderr()).toMatch(/^csc: configuration error: MASTER_SQLITE_SYNC \(environment\): applies to a SQLite store only/);
  });

  it('leaves backups to pg_dump and pg_restore, as the README shows: a dump taken while the master runs restores into a new database', async () => {
    const { url, shown } = await database('backup_source');
    const dataDir = tempDir();
    const file = join(tempDir(), 'csc.dump');
    for (const args of [['backup', file], ['restore', file]]) {
      const refused = await runWith(url, [...args, '--data-dir', dataDir]);
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toContain(`csc ${args[0]} copies a SQLite store, and MASTER_DATABASE_URL makes the store PostgreSQL: use ${args[0] === 'backup' ? 'pg_dump' : 'pg_restore'}`);
    }
    expect(existsSync(file)).toBe(false);

    const master = await MasterProcess.start({ dataDir, env: { MASTER_DATABASE_URL: url } });
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'kept in the dump' }) });
    expect(created.status).toBe(201);
    await exec('pg_dump', ['-Fc', '-f', file, url]);
    await master.kill();
    const target = await database('backup_target');
    await exec('pg_restore', ['--clean', '--if-exists', '--no-owner', '-d', target.url, file]);
    const restored = await MasterProcess.start({ dataDir: tempDir(), env: { MASTER_DATABASE_URL: target.url } });
    expect(restored.tail()).toContain(`  Store:      PostgreSQL ${target.shown} (schema ${PG_KNOWN})\n`);
    const job = (await (await restored.api('/api/jobs/1')).json()) as { prompt?: string; status?: string };
    expect(job).toMatchObject({ prompt: 'kept in the dump', status: 'queued' });
    expect(shown).not.toBe(target.shown);
    await restored.kill();
  });
});
