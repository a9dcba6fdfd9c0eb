import { join } from 'node:path';
import { redactDatabaseUrl, type StoreTarget } from '../config/index.js';
import type { StoreReading } from '../doctor/index.js';

/**
 * `csc doctor`'s reading of the master's store, through what `csc migrate --status` reads (the
 * doctor itself imports no master code). Loaded only when the doctor finds a store to read.
 */
export async function probeStore(target: StoreTarget, connectTimeoutMs: number): Promise<StoreReading> {
  const [{ MigrateError, readStoreSchema }, { NewerSchemaError, SQLITE_FILE }] = await Promise.all([import('../master/schema/index.js'), import('../master/store/index.js')]);
  const engine = target.databaseUrl === undefined ? 'SQLite' : 'PostgreSQL';
  try {
    const schema = await readStoreSchema(target, { connectTimeoutMs });
    return { kind: 'schema', engine: schema.engine, database: schema.database, exists: schema.exists, version: schema.version, known: schema.known, pending: schema.pending };
  } catch (error) {
    // Both name the store as it may be shown: a file, or the URL without its password.
    if (error instanceof NewerSchemaError) return { kind: 'newer', engine, database: error.database, found: error.found, known: error.known };
    if (error instanceof MigrateError) return { kind: 'unreadable', engine, message: error.message };
    const database = target.databaseUrl === undefined ? join(target.dataDir, SQLITE_FILE) : redactDatabaseUrl(target.databaseUrl);
    return { kind: 'unreadable', engine, message: `cannot read the store at ${database}: ${(error as Error).message}` };
  }
}
