import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { waitFor } from '../../test-support/wait.js';
import { migrate, migrationFile, NewerSchemaError, readMigrations } from './migrate.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreOpenError } from './store-errors.js';
import { storeSuite } from './store-suite.js';
import { describeStore, type Store } from './store.js';

afterAll(removeTempDirs);

const sighting = (name: string, at: string, tags: string[] = []) => ({ name, nodeId: `id-${name}`, tags, version: '1.0.0', address: '10.0.0.1:5', at });

describe('SqliteStore as a Store', () => {
  storeSuite('SQLite', () => Promise.resolve(new SqliteStore(tempDir())), {
    reopen: (store: Store) => Promise.resolve(new SqliteStore(dirname((store as SqliteStore).path))),
  });
});

describe('SqliteStore', () => {
  it('keeps its file in WAL mode', async () => {
    const dir = tempDir();
    await new SqliteStore(dir).close();
    const db = new Database(join(dir, 'master.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('commits sightings that arrive in separate turns together, shortly after', async () => {
    const dir = tempDir();
    const store = new SqliteStore(dir);
    const db = new Database(join(dir, 'master.db'), { readonly: true });
    const count = () => db.prepare('SELECT count(*) AS n FROM nodes').get();
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    store.recordNodeSeen(sighting('n0', '2026-01-01T00:00:00.000Z'));
    await nextTurn();
    expect(count()).toEqual({ n: 0 });
    for (let i = 1; i < 100; i++) {
      store.recordNodeSeen(sighting(`n${i}`, '2026-01-01T00:00:00.000Z'));
      await nextTurn();
    }
    await waitFor(() => (count() as { n: number }).n === 100, 'the batch to be committed', 1000);
    db.close();
    await store.close();
  });

  it('keeps the database readable by its owner only, tightening one that is not', async () => {
    const dir = tempDir();
    const store = new SqliteStore(dir);
    await store.jobs.create({ prompt: 'p', target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 1, timeoutSec: 1 }, '2026-01-01T00:00:00.000Z');
    store.commit();
    for (const file of ['master.db', 'master.db-wal', 'master.db-shm']) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    await store.close();
    chmodSync(join(dir, 'master.db'), 0o644);
    await new SqliteStore(dir).close();
    expect(statSync(join(dir, 'master.db')).mode & 0o777).toBe(0o600);
  });

  it('refuses a database written by a newer release, naming both versions, before it changes the file', () => {
    const dir = tempDir();
    const path = join(dir, 'master.db');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    const known = readMigrations().length;
    expect(() => new SqliteStore(dir)).toThrow(new NewerSchemaError(path, 999, known));
    expect(() => new SqliteStore(dir)).toThrow(`${path} was written by a newer csc: schema 999, this csc knows ${known}; upgrade csc to use it`);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('says which store it is and what its opening migrated', async () => {
    const dir = tempDir();
    const path = join(dir, 'master.db');
    const all = readMigrations();
    const db = new Database(path);
    migrate(db, all.slice(0, all.length - 1));
    db.close();
    const store = new SqliteStore(dir);
    expect(store.identity).toEqual({ engine: 'SQLite', location: path, schemaVersion: all.length, migratedFrom: all.length - 1, applied: all.slice(-1).map(migrationFile) });
    expect(describeStore(store.identity)).toBe(`SQLite ${path} (schema ${all.length})`);
    await store.close();
  });

  it('wraps any other failure to open in StoreOpenError', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'master.db'));
    expect(() => new SqliteStore(dir)).toThrow(StoreOpenError);
  });
});

describe('migrations', () => {
  it('applies only the ones a database has not seen, once, telling each as it commits', () => {
    const db = new Database(':memory:');
    const all = readMigrations();
    expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1));
    const told: Array<[string, number]> = [];
    expect(migrate(db, all, (m) => told.push([migrationFile(m), db.pragma('user_version', { simple: true }) as number]))).toEqual(all.map((m) => m.version));
    expect(told).toEqual(all.map((m) => [`${String(m.version).padStart(4, '0')}_${m.name}.sql`, m.version]));
    expect(told[0]?.[0]).toBe('0001_nodes.sql');
    expect(migrate(db, all)).toEqual([]);
    const extra = { version: all.length + 1, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' };
    expect(migrate(db, [...all, extra])).toEqual([extra.version]);
    db.close();
  });

  it('upgrades a database at version 2 (jobs) to settings and remote nodes, keeping its jobs', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'master.db'));
    expect(migrate(db, readMigrations().slice(0, 2))).toEqual([1, 2]);
    db.prepare("INSERT INTO jobs (status, prompt, origin, max_attempts, timeout_sec, created_at) VALUES ('succeeded', 'kept', '{}', 3, 60, '2026-01-01T00:00:00.000Z')").run();
    db.close();
    const store = new SqliteStore(dir);
    expect(await store.jobs.get(1)).toMatchObject({ id: 1, status: 'succeeded', prompt: 'kept' });
    expect(await store.settings.bridges()).toBeUndefined();
    expect(await store.remoteNodes.list()).toEqual([]);
    await store.close();
    const reopened = new Database(join(dir, 'master.db'), { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).toBe(readMigrations().length);
    reopened.close();
  });

  it('upgrades a database at version 9 to 0010: usage rows kept, no longer tied to their jobs, every job log whole', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'master.db'));
    migrate(db, readMigrations().slice(0, 9));
    db.prepare("INSERT INTO jobs (status, prompt, origin, max_attempts, timeout_sec, created_at, finished_at) VALUES ('succeeded', 'p', '{}', 3, 60, '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z')").run();
    db.prepare("INSERT INTO job_usage (job_id, day, user, input, output, total) VALUES (1, '2026-01-01', 'admin', 1, 2, 3)").run();
    db.close();
    const store = new SqliteStore(dir);
    expect(await store.maintenance.endedBefore('2027-01-01', undefined, 10)).toEqual([{ id: 1, finishedAt: '2026-01-01T00:01:00.000Z', logState: 0 }]);
    expect(await store.maintenance.deleteJob(1)).toBe(true);
    store.commit();
    expect(await store.usage.dayTotal({ kind: 'master' }, '2026-01-01')).toEqual({ input: 1, output: 2, total: 3 });
    await store.close();
  });

  it('rejects gaps and badly named files', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'm', '0003_c.sql'), 'SELECT 1;');
    expect(() => readMigrations(join(dir, 'm'))).toThrow(/expected 2, found 3/);
    writeFileSync(join(dir, 'm', 'two.sql'), 'SELECT 1;');
    expect(() => readMigrations(join(dir, 'm'))).toThrow(/0001_name\.sql: two\.sql/);
  });

  it('rolls back a migration that fails halfway', () => {
    const db = new Database(':memory:');
    const broken = [{ version: 1, name: 'broken', sql: 'CREATE TABLE t (x INTEGER); INSERT INTO missing VALUES (1);' }];
    expect(() => migrate(db, broken)).toThrow(/missing/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toBeUndefined();
    db.close();
  });
});
