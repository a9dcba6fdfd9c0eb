import { chmodSync, copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDataDir } from '../../config/index.js';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '../data-dir-lock.js';
import { checkBackupFile, checkBackupHeader } from './backup-check.js';
import { SQLITE_FILE } from '../store/index.js';
import { BackupError, countRows, fsyncPath, type TableCount } from './database-file.js';

/** Which backup `restoreDatabase` puts into which data dir. */
export interface RestoreOptions {
  dataDir: string;
  /** The backup to put in place. */
  file: string;
  /** Replace a database the data dir already has (it is kept aside either way). */
  force?: boolean;
  /** For the kept database's name; default now. */
  now?: Date;
}

/** What `restoreDatabase` did. */
export interface RestoreReport {
  database: string;
  restoredFrom: string;
  /** Where the database it replaced went, if there was one. */
  keptAs?: string;
  schemaVersion: number;
  knownVersion: number;
  tables: TableCount[];
}

/**
 * Puts a backup in place as the data dir's database, holding the data dir's lock throughout, so
 * it refuses while a master runs there and no master starts halfway. The backup is checked on a
 * copy written into the data dir (same file system, so the last step is one rename), synced; the
 * current database, its WAL folded in, is kept as `master.db.before-restore-<time>`.
 */
export function restoreDatabase(options: RestoreOptions): RestoreReport {
  const file = resolve(options.file);
  const database = join(options.dataDir, SQLITE_FILE);
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  checkBackupHeader(file);
  ensureDataDir(options.dataDir);
  const lock = lockForRestore(options.dataDir);
  const temp = `${database}.restoring-${process.pid}`;
  try {
    if (existsSync(database) && options.force !== true) {
      throw new BackupError(`${options.dataDir} already has a database; pass --force to replace it (it is kept as ${SQLITE_FILE}.before-restore-<time>)`);
    }
    copyFileSync(file, temp);
    chmodSync(temp, 0o600);
    const checked = checkBackupFile(temp, file);
    const tables = countTables(temp);
    fsyncPath(temp);
    const keptAs = existsSync(database) ? keepAside(database, options.now ?? new Date()) : undefined;
    // A WAL left beside the new file would be replayed into it: pages of another database.
    for (const stale of [`${database}-wal`, `${database}-shm`]) rmSync(stale, { force: true });
    renameSync(temp, database);
    fsyncPath(options.dataDir);
    return { database, restoredFrom: file, ...(keptAs === undefined ? {} : { keptAs }), ...checked, tables };
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) rmSync(leftover, { force: true });
    lock.release();
  }
}

function lockForRestore(dataDir: string): DataDirLock {
  try {
    return acquireDataDirLock(dataDir, 'restore');
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const { purpose, pid, host } = error.holder;
    throw new BackupError(`a ${purpose} (pid ${pid} on ${host}) is using ${dataDir}; stop it before restoring`, { cause: error });
  }
}

function countTables(path: string): TableCount[] {
  const db = new Database(path, { fileMustExist: true });
  try {
    return countRows(db);
  } finally {
    db.close();
  }
}

/**
 * Folds the current database's WAL into it (a master killed with SIGKILL leaves committed rows
 * there), then renames it; a WAL that could not be folded goes along under the matching name,
 * where SQLite finds it when the kept file is opened.
 */
function keepAside(database: string, now: Date): string {
  try {
    const db = new Database(database, { fileMustExist: true });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  } catch {
    // A damaged database is kept as it is: the WAL travels with it below.
  }
  const keptAs = `${database}.before-restore-${now.toISOString().replaceAll(':', '-')}`;
  renameSync(database, keptAs);
  if (existsSync(`${database}-wal`)) renameSync(`${database}-wal`, `${keptAs}-wal`);
  rmSync(`${database}-shm`, { force: true });
  return keptAs;
}
