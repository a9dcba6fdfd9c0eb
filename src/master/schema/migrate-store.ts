import type { StoreTarget } from '../../config/index.js';
import { migrateDataDir, readDataDirSchema } from './data-dir-schema.js';
import { migratePg, readPgSchema, type PgReadOptions } from './pg-schema.js';
import type { MigrateOptions, MigrateReport, StoreSchema } from './store-schema.js';

/**
 * Where the master's store stands, changing nothing: the PostgreSQL database of `databaseUrl`, else
 * the SQLite file in `dataDir`. A newer schema throws `NewerSchemaError`, an unreadable store `MigrateError`.
 */
export async function readStoreSchema(target: StoreTarget, options: PgReadOptions = {}): Promise<StoreSchema> {
  return target.databaseUrl === undefined ? readDataDirSchema(target.dataDir) : readPgSchema(target.databaseUrl, options);
}

/** Applies the store's pending migrations now, on whichever engine `options` names (see `migrateDataDir`, `migratePg`). */
export async function migrateStore(options: MigrateOptions): Promise<MigrateReport> {
  const { databaseUrl } = options;
  return databaseUrl === undefined ? migrateDataDir(options) : migratePg({ ...options, databaseUrl });
}
