import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate, readMigrations, type Migration } from '../store/index.js';
import { BackupError, readHeader, tableNames } from './database-file.js';

/** What a checked backup holds. */
export interface CheckedBackup {
  schemaVersion: number;
  /** The newest schema version this csc knows. */
  knownVersion: number;
}

/** How many integrity problems a refusal lists; SQLite may report thousands. */
const SHOWN_PROBLEMS = 5;

/**
 * Refuses a file that is not SQLite at all, or a live database's file with its WAL beside it:
 * copying that file alone would leave out what the WAL holds.
 */
export function checkBackupHeader(file: string): void {
  const header = readHeader(file);
  if (!header.sqlite) throw new BackupError(`${file} is not a SQLite database, so not a backup of csc's store`);
  if (header.wal && existsSync(`${file}-wal`)) {
    throw new BackupError(`${file} has a write-ahead log beside it (${file}-wal): it is a live database's file, not a backup; take one with csc backup`);
  }
}

/**
 * Refuses, in plain words, a copy of a backup (`path`, named `shownAs`) that is not a database of
 * ours: unreadable, no schema version, one newer than this csc knows, tables missing that its
 * version should have, or one that fails `PRAGMA integrity_check`.
 */
export function checkBackupFile(path: string, shownAs: string): CheckedBackup {
  const db = openChecked(path, shownAs);
  try {
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const migrations = readMigrations();
    const knownVersion = migrations.length;
    if (schemaVersion === 0) throw new BackupError(`${shownAs} is a SQLite database but not csc's: it has no schema version`);
    if (schemaVersion > knownVersion) {
      throw new BackupError(
        `${shownAs} was made by a newer csc: its schema version is ${schemaVersion}, this csc knows up to ${knownVersion}; upgrade csc to restore it`,
      );
    }
    const missing = expectedTables(schemaVersion, migrations).filter((table) => !tableNames(db).includes(table));
    if (missing.length > 0) throw new BackupError(`${shownAs} is not csc's store: tables ${missing.join(', ')} are missing`);
    const problems = db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>;
    const messages = problems.map((row) => row.integrity_check);
    if (messages.length !== 1 || messages[0] !== 'ok') {
      throw new BackupError(`${shownAs} is damaged (PRAGMA integrity_check): ${messages.slice(0, SHOWN_PROBLEMS).join('; ')}`);
    }
    return { schemaVersion, knownVersion };
  } finally {
    db.close();
  }
}

function openChecked(path: string, shownAs: string): Database.Database {
  try {
    const db = new Database(path, { fileMustExist: true });
    // Reads the schema: a file with SQLite's header and garbage after it fails here, not later.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    throw new BackupError(`${shownAs} cannot be read as a SQLite database: ${(error as Error).message}`, { cause: error });
  }
}

/** The tables the migrations up to `version` make, from an empty in-memory database. */
function expectedTables(version: number, migrations: Migration[]): string[] {
  const db = new Database(':memory:');
  try {
    migrate(db, migrations.slice(0, version));
    return tableNames(db);
  } finally {
    db.close();
  }
}
