import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE } from '../store/index.js';
import { BackupError, countRows, fsyncPath, type TableCount } from './database-file.js';

/** What `backupDatabase` copies, and where to. */
export interface BackupOptions {
  dataDir: string;
  /** Where the copy goes. */
  file: string;
  /** Replace `file` when it exists. */
  force?: boolean;
}

/** What `backupDatabase` wrote. */
export interface BackupReport {
  file: string;
  bytes: number;
  schemaVersion: number;
  tables: TableCount[];
  ms: number;
}

/**
 * The next step's size: every page. SQLite restarts a backup whenever another connection writes to
 * the source between two steps, so a master that keeps writing makes one of 100-page steps (the
 * default) start over forever (measured: 26,793 restarts in 30 s on a 126 MB store, never
 * finished). One step copies all pages inside one read transaction, which writers do not wait for
 * in WAL mode (1.2 s on the same store while it kept writing; `VACUUM INTO`: 4.6 s).
 */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the data dir's live database to `file` with SQLite's online backup: consistent even
 * while a master writes. The copy is written beside `file` first, made a single-file database
 * (no WAL), synced, then renamed into place; readable by its owner only, as it holds bridge tokens.
 */
export async function backupDatabase(options: BackupOptions): Promise<BackupReport> {
  const began = performance.now();
  const source = join(options.dataDir, SQLITE_FILE);
  const file = resolve(options.file);
  if (!existsSync(source)) throw new BackupError(`there is no database to back up at ${source} (is --data-dir right?)`);
  if (existsSync(file) && options.force !== true) throw new BackupError(`${file} exists; pass --force to replace it`);
  if (!existsSync(dirname(file))) throw new BackupError(`the directory of ${file} does not exist`);
  const temp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  try {
    await copyOnline(source, temp);
    const { schemaVersion, tables } = settleCopy(temp);
    fsyncPath(temp);
    renameSync(temp, file);
    fsyncPath(dirname(file));
    return { file, bytes: statSync(file).size, schemaVersion, tables, ms: performance.now() - began };
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) rmSync(leftover, { force: true });
  }
}

async function copyOnline(source: string, temp: string): Promise<void> {
  // Made first, empty and private: SQLite takes an empty file for an empty database and keeps its mode.
  closeSync(openSync(temp, 'w', 0o600));
  chmodSync(temp, 0o600);
  let db: Database.Database;
  try {
    db = new Database(source, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`cannot open ${source}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(temp, { progress: () => ALL_PAGES });
  } catch (error) {
    throw new BackupError(`the backup of ${source} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
}

/** The copy keeps the source's WAL mode in its header; a backup is one file, so it goes back to a rollback journal. */
function settleCopy(temp: string): { schemaVersion: number; tables: TableCount[] } {
  const db = new Database(temp, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    return { schemaVersion: db.pragma('user_version', { simple: true }) as number, tables: countRows(db) };
  } finally {
    db.close();
  }
}
