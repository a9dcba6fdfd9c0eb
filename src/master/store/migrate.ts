import { readdirSync, readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../paths.js';
import type { Database } from 'better-sqlite3';

/** Numbered SQL files, shipped beside `dist/`. */
export const MIGRATIONS_DIR = `${PACKAGE_ROOT}migrations`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Thrown for a database whose schema is newer than the migrations this csc has: a newer release
 * wrote it, and this one would misread or damage what it does not know.
 */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';

  constructor(
    /** The database, as people find it (its file). */
    readonly database: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(`${database} was written by a newer csc: schema ${found}, this csc knows ${known}; upgrade csc to use it`);
  }
}

/** Where a database stands against this csc's migrations. */
export interface SchemaStatus {
  /** The database's schema version (`user_version`; 0: none applied yet). */
  version: number;
  /** The newest version this csc knows. */
  known: number;
  applied: Migration[];
  pending: Migration[];
}

/** A migration's file name, `NNNN_name.sql`, as operators see it in `migrations/`. */
export function migrationFile(migration: Migration): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}.sql`;
}

/** Reads `NNNN_name.sql` files; numbers must run 1, 2, 3… with no gaps, since applied ones never change. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
      return { version: Number(match[1]), name: match[2] ?? file, sql: readFileSync(`${dir}/${file}`, 'utf8') };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered without gaps: expected ${i + 1}, found ${m.version}`);
  });
  return migrations;
}

/** The database's version and which migrations it has and lacks; throws `NewerSchemaError` for a newer one. */
export function schemaStatus(db: Database, migrations: Migration[] = readMigrations()): SchemaStatus {
  const version = db.pragma('user_version', { simple: true }) as number;
  const known = migrations.length;
  if (version > known) throw new NewerSchemaError(db.name, version, known);
  return { version, known, applied: migrations.slice(0, version), pending: migrations.slice(version) };
}

/**
 * Applies the migrations newer than the database's `user_version`, each in its own transaction,
 * telling `onApplied` after each commit. Returns the versions applied. A database from a newer
 * release is refused (`NewerSchemaError`) rather than damaged.
 */
export function migrate(db: Database, migrations: Migration[] = readMigrations(), onApplied?: (migration: Migration, ms: number) => void): number[] {
  const applied: number[] = [];
  for (const migration of schemaStatus(db, migrations).pending) {
    const began = performance.now();
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
    onApplied?.(migration, performance.now() - began);
  }
  return applied;
}
