import { closeSync, copyFileSync, existsSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seedFinishedJobs, StoreWriter } from '../../test-support/store-load.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { migrate, readMigrations } from '../store/index.js';
import { countRows } from './database-file.js';
import { backupDatabase, BackupError, restoreDatabase, type TableCount } from './index.js';

const masters: TestMaster[] = [];
afterEach(async () => {
  await Promise.all(masters.splice(0).map((m) => m.close()));
});
afterAll(removeTempDirs);

async function master(dataDir?: string): Promise<TestMaster> {
  const started = await startTestMaster(dataDir === undefined ? {} : { dataDir });
  masters.push(started);
  return started;
}

function rowsOf(path: string): TableCount[] {
  const db = new Database(path, { fileMustExist: true });
  try {
    return countRows(db);
  } finally {
    db.close();
  }
}

const rows = (tables: TableCount[], table: string) => tables.find((t) => t.table === table)?.rows;

/** A backup of a master with jobs, their events, a credential and saved settings. */
async function backupOfAMaster(): Promise<{ file: string; tables: TableCount[] }> {
  const source = await master();
  seedFinishedJobs(join(source.config.dataDir, 'master.db'), { jobs: 5, eventsPerJob: 10 });
  expect((await source.api('/api/tokens', { method: 'POST', body: JSON.stringify({ role: 'node', name: 'laptop' }) })).status).toBe(201);
  expect((await source.api('/api/config', { method: 'PUT', body: JSON.stringify({ memo: 'kept' }) })).status).toBe(200);
  const file = join(tempDir(), 'backup.db');
  const report = await backupDatabase({ dataDir: source.config.dataDir, file });
  return { file, tables: report.tables };
}

describe('backupDatabase', () => {
  it('copies a live store consistently while another connection never stops writing', async () => {
    const source = await master();
    const dbPath = join(source.config.dataDir, 'master.db');
    const eventsPerJob = 500;
    const { firstJobId } = seedFinishedJobs(dbPath, { jobs: 200, eventsPerJob });
    const writer = new StoreWriter(dbPath, firstJobId, eventsPerJob);
    try {
      await waitFor(() => writer.written > 0, 'the writer to commit');
      const before = writer.written;
      const file = join(tempDir(), 'live.db');
      const report = await backupDatabase({ dataDir: source.config.dataDir, file });
      const after = writer.written;
      // The writer went on during the copy, and the copy is one moment of it: a whole number of its commits.
      expect(after).toBeGreaterThan(before);
      const copied = (rows(report.tables, 'job_events') ?? 0) - 200 * eventsPerJob;
      expect(copied).toBeGreaterThanOrEqual(before);
      expect(copied).toBeLessThanOrEqual(after);
      expect(copied % 10).toBe(0);
      expect(rowsOf(file)).toEqual(report.tables);
      expect(report).toMatchObject({ file, bytes: statSync(file).size, schemaVersion: readMigrations().length });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const copy = new Database(file, { readonly: true });
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      copy.close();
      console.log(`backup of ${(report.bytes / 1e6).toFixed(1)} MB in ${Math.round(report.ms)} ms while ${after - before} events were written`);
    } finally {
      await writer.stop();
    }
  });

  it('refuses to replace a file unless forced, and a data dir without a database', async () => {
    const source = await master();
    const file = join(tempDir(), 'exists.db');
    writeFileSync(file, 'precious');
    await expect(backupDatabase({ dataDir: source.config.dataDir, file })).rejects.toThrow(`${file} exists; pass --force to replace it`);
    await backupDatabase({ dataDir: source.config.dataDir, file, force: true });
    expect(rows(rowsOf(file), 'jobs')).toBe(0);
    await expect(backupDatabase({ dataDir: tempDir(), file: join(tempDir(), 'x.db') })).rejects.toThrow(/there is no database to back up at/);
  });
});

describe('restoreDatabase', () => {
  it('restores into a fresh data dir, and a master started on it has the same rows in every table', async () => {
    const { file, tables } = await backupOfAMaster();
    expect(rows(tables, 'jobs')).toBe(5);
    expect(rows(tables, 'job_events')).toBe(50);
    expect(rows(tables, 'credentials')).toBe(1);
    expect(rows(tables, 'settings')).toBe(1);
    const dataDir = join(tempDir(), 'fresh');
    const report = restoreDatabase({ dataDir, file });
    expect(report).toMatchObject({ database: join(dataDir, 'master.db'), restoredFrom: file, tables });
    expect(report.keptAs).toBeUndefined();
    const restored = await master(dataDir);
    expect(rowsOf(join(dataDir, 'master.db'))).toEqual(tables);
    const { jobs } = (await (await restored.api('/api/jobs?limit=50')).json()) as { jobs: unknown[] };
    expect(jobs).toHaveLength(5);
    expect(((await (await restored.api('/api/tokens')).json()) as { tokens: Array<{ name: string }> }).tokens.map((t) => t.name)).toEqual(['laptop']);
  });

  it('replaces an existing database only when forced, and keeps it aside', async () => {
    const { file, tables } = await backupOfAMaster();
    const target = await master();
    const dataDir = target.config.dataDir;
    seedFinishedJobs(join(dataDir, 'master.db'), { jobs: 7, eventsPerJob: 1 });
    await target.close();
    expect(() => restoreDatabase({ dataDir, file })).toThrow(`${dataDir} already has a database; pass --force to replace it`);
    const report = restoreDatabase({ dataDir, file, force: true, now: new Date('2026-12-01T18:30:00.000Z') });
    expect(report.keptAs).toBe(join(dataDir, 'master.db.before-restore-2026-12-01T18-30-00.000Z'));
    expect(rows(rowsOf(report.keptAs ?? ''), 'jobs')).toBe(7);
    expect(rowsOf(join(dataDir, 'master.db'))).toEqual(tables);
    expect(existsSync(join(dataDir, 'master.db-wal'))).toBe(false);
  });

  it('takes a backup of an older schema, which the master then migrates', async () => {
    const known = readMigrations().length;
    const older = withDatabase(join(tempDir(), 'older.db'), (db) => migrate(db, readMigrations().slice(0, known - 1)));
    const dataDir = tempDir();
    expect(restoreDatabase({ dataDir, file: older })).toMatchObject({ schemaVersion: known - 1, knownVersion: known });
    await master(dataDir);
    expect(withDatabase(join(dataDir, 'master.db'), (db) => expect(db.pragma('user_version', { simple: true })).toBe(known))).toBeTruthy();
  });

  it('refuses while a master runs on the data dir', async () => {
    const { file } = await backupOfAMaster();
    const running = await master();
    expect(() => restoreDatabase({ dataDir: running.config.dataDir, file, force: true })).toThrow(
      new RegExp(`a master \\(pid ${process.pid} on .+\\) is using ${running.config.dataDir}; stop it before restoring`),
    );
    expect((await running.api('/api/jobs')).status).toBe(200);
  });

  it('refuses what is not a backup of ours, saying why', async () => {
    const { file } = await backupOfAMaster();
    const dir = tempDir();
    const refused = (path: string) => {
      const dataDir = tempDir();
      try {
        restoreDatabase({ dataDir, file: path });
      } catch (error) {
        expect(error).toBeInstanceOf(BackupError);
        expect(existsSync(join(dataDir, 'master.db'))).toBe(false);
        return (error as Error).message;
      }
      throw new Error(`${path} was restored`);
    };

    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, but long enough to have a header of a hundred bytes, or so one hopes; yes');
    expect(refused(text)).toBe(`${text} is not a SQLite database, so not a backup of csc's store`);

    const foreign = withDatabase(join(dir, 'foreign.db'), (db) => db.exec('CREATE TABLE t (x)'));
    expect(refused(foreign)).toBe(`${foreign} is a SQLite database but not csc's: it has no schema version`);

    const known = readMigrations().length;
    const newer = withDatabase(copy(file, join(dir, 'newer.db')), (db) => db.pragma(`user_version = ${known + 1}`));
    expect(refused(newer)).toBe(`${newer} was made by a newer csc: its schema version is ${known + 1}, this csc knows up to ${known}; upgrade csc to restore it`);

    const partial = withDatabase(join(dir, 'partial.db'), (db) => {
      db.exec('CREATE TABLE nodes (name TEXT)');
      db.pragma('user_version = 2');
    });
    expect(refused(partial)).toBe(`${partial} is not csc's store: tables job_events, jobs are missing`);

    const damaged = copy(file, join(dir, 'damaged.db'));
    damagePage(damaged);
    expect(refused(damaged)).toMatch(/is damaged \(PRAGMA integrity_check\): ./);

    const source = await master();
    const live = join(source.config.dataDir, 'master.db');
    expect(refused(live)).toBe(`${live} has a write-ahead log beside it (${live}-wal): it is a live database's file, not a backup; take one with csc backup`);
    expect(refused(join(dir, 'missing.db'))).toBe(`${join(dir, 'missing.db')} does not exist`);
  });
});

function withDatabase(path: string, change: (db: Database.Database) => void): string {
  const db = new Database(path);
  change(db);
  db.close();
  return path;
}

function copy(from: string, to: string): string {
  copyFileSync(from, to);
  return to;
}

/** Overwrites the middle of the last page with noise: a b-tree page SQLite must find broken. */
function damagePage(path: string): void {
  const db = new Database(path, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.close();
  const noise = Buffer.alloc(pageSize / 2, 0xa5);
  const fd = openSync(path, 'r+');
  writeSync(fd, noise, 0, noise.length, (pages - 1) * pageSize + pageSize / 4);
  closeSync(fd);
}
