import { redactDatabaseUrl } from '../../config/index.js';
import { NewerSchemaError } from '../store/index.js';
import { MigrateError, type MigrateOptions, type MigrateReport, type StoreSchema } from './store-schema.js';

/** How `readPgSchema` reaches the server. */
export interface PgReadOptions {
  /** Give up connecting after this long (`csc doctor`); default: the client's own (no limit). */
  connectTimeoutMs?: number;
}

/** Loaded when asked for, so that `csc migrate` on SQLite never loads the PostgreSQL client. */
const pgMigrations = () => import('../store/pg/pg-migrate.js');

/**
 * Reads where the PostgreSQL database stands, changing nothing; works beside running masters. A
 * schema newer than this csc's throws `NewerSchemaError`; a server that cannot be reached or read,
 * `MigrateError` naming the database without its password.
 */
export async function readPgSchema(url: string, options: PgReadOptions = {}): Promise<StoreSchema> {
  const { pgSchemaStatus } = await pgMigrations();
  try {
    const status = await pgSchemaStatus(url, options);
    return { engine: 'PostgreSQL', database: redactDatabaseUrl(url), exists: true, version: status.version, known: status.known, applied: status.applied, pending: status.pending };
  } catch (error) {
    throw asMigrateError(error, url, 'cannot read the store at');
  }
}

/**
 * Applies the database's pending migrations now, in one transaction under PostgreSQL's advisory
 * lock (so a master starting meanwhile waits, then finds them applied). A newer schema throws
 * `NewerSchemaError` before anything is written. Unlike SQLite's, it takes no data dir lock: the
 * masters of a database need not run on this host.
 */
export async function migratePg(options: MigrateOptions & { databaseUrl: string }): Promise<MigrateReport> {
  const before = await readPgSchema(options.databaseUrl);
  options.onStart?.(before);
  if (before.pending.length === 0) return { before, version: before.version };
  const { pgMigrate } = await pgMigrations();
  try {
    const { version } = await pgMigrate(options.databaseUrl, options.onApplied);
    return { before, version };
  } catch (error) {
    throw asMigrateError(error, options.databaseUrl, 'cannot migrate the store at');
  }
}

/**
 * A newer schema as it is (its message is the whole story), anything else as a `MigrateError` naming
 * the database, with its password cut out of the server's words should they ever quote it.
 */
function asMigrateError(error: unknown, url: string, doing: string): Error {
  if (error instanceof NewerSchemaError) return error;
  const shown = redactDatabaseUrl(url);
  return new MigrateError(`${doing} ${shown}: ${withoutSecret((error as Error).message, url)}`, { cause: error });
}

function withoutSecret(message: string, url: string): string {
  let passwords: string[] = [];
  try {
    const parsed = new URL(url);
    passwords = [decodeURIComponent(parsed.password), parsed.searchParams.get('password') ?? ''].filter((p) => p !== '');
  } catch {
    // Not a URL: the configuration refused it already.
  }
  return passwords.reduce((text, password) => text.split(password).join('***'), message);
}
