import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDataDir } from '../../config/index.js';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '../data-dir-lock.js';
import { migrate, migrationFile, NewerSchemaError, openSqliteFile, readMigrations, schemaStatus, SQLITE_FILE, type Migration, type SchemaStatus } from '../store/index.js';
import { MigrateError, type MigrateOptions, type MigrateReport, type StoreSchema } from './store-schema.js';

/** How long reading waits for a writer's lock (a master's checkpoint). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Reads where the data dir's store stands, changing nothing, and without the data dir's lock, so it
 * also works beside a running master. A schema newer than this csc's throws `NewerSchemaError`.
 */
export function readDataDirSchema(dataDir: string): StoreSchema {
  const database = join(dataDir, SQLITE_FILE);
  const migrations = readMigrations();
  const base = { engine: 'SQLite', database, known: migrations.length };
  if (!existsSync(database)) return { ...base, exists: false, version: 0, applied: [], pending: migrations.map(migrationFile) };
  const status = readStatus(database, migrations);
  return { ...base, exists: true, version: status.version, applied: status.applied.map(migrationFile), pending: status.pending.map(migrationFile) };
}

/**
 * Applies the data dir's pending migrations now, each in its own transaction, holding the data dir's
 * lock throughout: it refuses while a master runs there, and no master starts halfway. The store is
 * made (0600, WAL) when the data dir has none yet; a newer schema throws `NewerSchemaError` before
 * anything is written.
 */
export function migrateDataDir(options: Omit<MigrateOptions, 'databaseUrl'>): MigrateReport {
  ensureDataDir(options.dataDir);
  const lock = lockForMigrate(options.dataDir);
  try {
    const before = readDataDirSchema(options.dataDir);
    options.onStart?.(before);
    if (before.exists && before.pending.length === 0) return { before, version: before.version };
    const migrations = readMigrations();
    const db = openSqliteFile(before.database, 'full', migrations);
    try {
      migrate(db, migrations, (migration, ms) => options.onApplied?.(migrationFile(migration), ms));
      return { before, version: schemaStatus(db).version };
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}

function readStatus(database: string, migrations: Migration[]): SchemaStatus {
  let db: Database.Database | undefined;
  try {
    // Not `readonly`: a read-only connection makes the WAL's -wal and -shm files and cannot remove
    // them when it closes, where a writable one, the last to close, folds the WAL in and removes them.
    db = new Database(database, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return schemaStatus(db, migrations);
  } catch (error) {
    if (error instanceof NewerSchemaError) throw error;
    throw new MigrateError(`cannot read the store at ${database}: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}

function lockForMigrate(dataDir: string): DataDirLock {
  try {
    return acquireDataDirLock(dataDir, 'migrate');
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const { purpose, pid, host } = error.holder;
    throw new MigrateError(`a ${purpose} (pid ${pid} on ${host}) is using ${dataDir}; stop it before migrating`, { cause: error });
  }
}
