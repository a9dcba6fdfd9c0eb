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

/**
 * Applies the migrations newer than the database's `user_version`, each in its own transaction.
 * Returns the versions applied. A database from a newer release is refused rather than damaged.
 */
export function migrate(db: Database, migrations: Migration[] = readMigrations()): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new Error(`the database is at schema version ${current}, newer than this release knows (${latest}); upgrade csc`);
  }
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}
