import type pg from 'pg';
import { redactDatabaseUrl } from '../../../config/index.js';
import { PACKAGE_ROOT } from '../../../paths.js';
import { migrationFile, NewerSchemaError, readMigrations, type Migration } from '../migrate.js';
import { pgClient } from './pg-client.js';

/** PostgreSQL's numbered SQL files, beside SQLite's (which `readMigrations` reads from the folder above, files only). */
export const PG_MIGRATIONS_DIR = `${PACKAGE_ROOT}migrations/postgres`;

/**
 * The key of the advisory lock the migrations run under: every csc migrating any database of the
 * cluster takes the same one, so two masters starting at once apply them one after the other
 * (the second then finds nothing pending). Any fixed number would do; this spells "csc" in ASCII.
 */
const MIGRATION_LOCK = 0x637363;

const TRACKING_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/** Where a PostgreSQL database stands against this csc's migrations. */
export interface PgSchemaStatus {
  /** Its schema version (the highest in `schema_migrations`; 0: none applied yet). */
  version: number;
  /** The newest version this csc knows. */
  known: number;
  /** The migrations' files (`0001_initial.sql`) it has, oldest first. */
  applied: string[];
  /** Those it lacks, in the order they apply. */
  pending: string[];
}

/** What a migration did. */
export interface PgMigration {
  /** The version before. */
  from: number;
  /** The version now: the newest this csc knows. */
  version: number;
  /** The files applied, oldest first (none: it was current). */
  applied: string[];
}

/** How `pgSchemaStatus` connects. */
export interface PgStatusOptions {
  /** Give up connecting after this long (`csc doctor`); default: no limit of the client's own. */
  connectTimeoutMs?: number;
}

/** This csc's PostgreSQL migrations, numbered 1, 2, 3… without gaps. */
export function readPgMigrations(dir: string = PG_MIGRATIONS_DIR): Migration[] {
  return readMigrations(dir);
}

/** The version `schema_migrations` records (0 without the table); a newer one than `known` is refused. */
async function recordedVersion(client: pg.Client, location: string, known: number): Promise<number> {
  const table = await client.query<{ found: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`);
  if (table.rows[0]?.found !== true) return 0;
  const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
  const version = rows[0]?.version ?? 0;
  if (version > known) throw new NewerSchemaError(location, version, known);
  return version;
}

async function withClient<T>(url: string, connectTimeoutMs: number | undefined, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgClient(url, { applicationName: 'csc migrate', connectTimeoutMs });
  // A connection lost while it is used fails the query that was under way; no uncaught error.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Where the database at `url` stands, changing nothing (it works beside running masters). A
 * schema newer than this csc's throws `NewerSchemaError`, naming the database without its password.
 */
export function pgSchemaStatus(url: string, options: PgStatusOptions = {}, migrations: Migration[] = readPgMigrations()): Promise<PgSchemaStatus> {
  return withClient(url, options.connectTimeoutMs, async (client) => {
    const version = await recordedVersion(client, redactDatabaseUrl(url), migrations.length);
    return { version, known: migrations.length, applied: migrations.slice(0, version).map(migrationFile), pending: migrations.slice(version).map(migrationFile) };
  });
}

/**
 * Applies what `migrations` has that the database lacks, on `client`, all in one transaction
 * under the advisory lock: a failure leaves the database as it was, and a master starting at the
 * same time waits for the lock, then finds them applied. `onApplied` hears of each file after the commit.
 */
export async function migrateDatabase(client: pg.Client, location: string, migrations: Migration[], onApplied?: (file: string, ms: number) => void): Promise<PgMigration> {
  const took: Array<[file: string, ms: number]> = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await client.query(TRACKING_TABLE);
    const from = await recordedVersion(client, location, migrations.length);
    for (const migration of migrations.slice(from)) {
      const began = performance.now();
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migrationFile(migration)]);
      took.push([migrationFile(migration), performance.now() - began]);
    }
    await client.query('COMMIT');
    for (const [file, ms] of took) onApplied?.(file, ms);
    return { from, version: migrations.length, applied: took.map(([file]) => file) };
  } catch (error) {
    // The connection may be gone with the transaction; the error that ended it is what matters.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Applies the database's pending migrations (`migrateDatabase`) for `csc migrate`; a schema newer
 * than this csc's throws `NewerSchemaError` before anything is written.
 */
export function pgMigrate(url: string, onApplied?: (file: string, ms: number) => void, migrations: Migration[] = readPgMigrations()): Promise<PgMigration> {
  return withClient(url, undefined, (client) => migrateDatabase(client, redactDatabaseUrl(url), migrations, onApplied));
}
