import { z } from 'zod';
import { ConfigError } from './config-error.js';
import type { Environment } from './environment.js';
import { resolveDataDir } from './data-dir-config.js';
import { resolveSetting, type Setting } from './settings.js';

/**
 * Where the master's store is. The data dir always matters (the lock, the generated tokens,
 * attachments, and the SQLite file); `databaseUrl` set means the store is PostgreSQL instead.
 */
export interface StoreTarget {
  dataDir: string;
  /** `MASTER_DATABASE_URL` / `--database-url`: a postgres:// URL; undefined: SQLite in the data dir. */
  databaseUrl: string | undefined;
}

/** The flags of the commands that work on the store (`csc master`, `csc migrate`), as commander hands them over. */
export interface StoreFlags {
  dataDir?: string;
  databaseUrl?: string;
}

/** How SQLite syncs commits: see `MasterConfig.sqliteSync`. */
export type SqliteSyncSetting = 'normal' | 'full';

const EXAMPLE = 'postgres://csc:PASSWORD@127.0.0.1:5432/csc';

/** Why `value` is not a database URL we can use, or undefined when it is one. */
function databaseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a URL like ${EXAMPLE}`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `must be a postgres:// or postgresql:// URL like ${EXAMPLE} (SQLite needs no URL: leave it unset)`;
  // A socket directory (`?host=/var/run/postgresql`) stands in for the host, as libpq allows.
  if (url.hostname === '' && !url.searchParams.get('host')) return `must name the server's host, as in ${EXAMPLE} (or a socket directory: postgresql:///csc?host=/var/run/postgresql)`;
  const database = url.pathname.replace(/^\//, '');
  if (database === '' || database.includes('/')) return `must name one database after the host, as in ${EXAMPLE}`;
  return undefined;
}

const databaseUrlSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = databaseUrlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The URL as it may be shown (logs, errors, `csc migrate`, `csc doctor`): without its password, in
 * the user part or as a `password` parameter; what does not parse as a URL with a `scheme://` is
 * shown only by its length, since its password cannot be found in it.
 */
export function redactDatabaseUrl(value: string): string {
  let url: URL | undefined;
  try {
    // Without `//` there is no user part to find a password in (`csc:secret` parses as a URL too).
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) url = new URL(value);
  } catch {
    // Shown by its length below.
  }
  if (url === undefined) return `${value.length} characters`;
  url.password = '';
  // Only when there is one: touching the parameters re-encodes them all (`/` as %2F in `host=`).
  if (url.searchParams.has('password')) url.searchParams.delete('password');
  return url.toString();
}

const DATABASE_URL_SETTING: Setting<string | undefined> = {
  flag: 'database-url',
  env: 'MASTER_DATABASE_URL',
  schema: databaseUrlSchema.optional(),
  fallback: () => undefined,
  redact: redactDatabaseUrl,
};

/** `--database-url`, else `MASTER_DATABASE_URL`, validated; undefined: the store is SQLite. */
export function resolveDatabaseUrl(flag: string | undefined, env: Environment): string | undefined {
  return resolveSetting(DATABASE_URL_SETTING, flag, env);
}

/** The data dir and the database URL, as `csc master` resolves them (for `csc migrate`, `csc backup`, `csc doctor`). */
export function resolveStoreTarget(flags: StoreFlags, env: Environment): StoreTarget {
  return {
    dataDir: resolveDataDir(flags.dataDir, env),
    databaseUrl: resolveDatabaseUrl(flags.databaseUrl, env),
  };
}

const sqliteSyncSchema = z.enum(['normal', 'full'], { message: 'must be normal or full' });

/**
 * `MASTER_SQLITE_SYNC` (default `full`) for a SQLite store; undefined for PostgreSQL. Set beside a
 * database URL it is refused rather than ignored: whoever set `normal` to trade durability for speed
 * must learn that the trade does not exist there (PostgreSQL's `synchronous_commit` is the server's).
 */
export function resolveSqliteSync(env: Environment, databaseUrl: string | undefined): SqliteSyncSetting | undefined {
  const given = env.get('MASTER_SQLITE_SYNC');
  if (databaseUrl === undefined) return resolveSetting({ env: 'MASTER_SQLITE_SYNC', schema: sqliteSyncSchema, fallback: () => 'full' as const }, undefined, env);
  if (given === undefined) return undefined;
  throw new ConfigError(
    `MASTER_SQLITE_SYNC (${given.origin})`,
    'applies to a SQLite store only, and the database URL (MASTER_DATABASE_URL or --database-url) makes the store PostgreSQL: remove MASTER_SQLITE_SYNC, or leave it empty',
  );
}
