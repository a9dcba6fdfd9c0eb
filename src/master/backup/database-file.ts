import { closeSync, fsyncSync, openSync, readSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** Rows in one table of a database, for the reports of `csc backup` and `csc restore`. */
export interface TableCount {
  table: string;
  rows: number;
}

/** A backup or restore that cannot go on; the message says why in plain words. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Byte 18 of the header: the file format's write version, 2 for WAL. */
const WRITE_VERSION_OFFSET = 18;

/** What the first 100 bytes say: whether it is a SQLite database at all, and whether it is in WAL mode. */
export function readHeader(path: string): { sqlite: boolean; wal: boolean } {
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    const read = readSync(fd, header, 0, header.length, 0);
    const sqlite = read === header.length && header.subarray(0, SQLITE_MAGIC.length).toString('latin1') === SQLITE_MAGIC;
    return { sqlite, wal: sqlite && header[WRITE_VERSION_OFFSET] === 2 };
  } finally {
    closeSync(fd);
  }
}

/** The user tables (SQLite's own left out), by name. */
export function tableNames(db: Database): string[] {
  const rows = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  return rows.map((row) => row.name);
}

/** Rows per user table, in name order. */
export function countRows(db: Database): TableCount[] {
  return tableNames(db).map((table) => {
    const row = db.prepare<[], { rows: number }>(`SELECT count(*) AS rows FROM "${table.replaceAll('"', '""')}"`).get();
    return { table, rows: row?.rows ?? 0 };
  });
}

/** Flushes a file's (or, for a rename to last, a directory's) contents to the disk. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
