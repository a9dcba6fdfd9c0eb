import type { MasterConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** What choosing and opening the store needs of the master's configuration. */
export type StoreConfig = Pick<MasterConfig, 'dataDir' | 'databaseUrl' | 'sqliteSync'>;

/**
 * Opens the master's store with its pending migrations applied: SQLite in the data dir by default,
 * the PostgreSQL database of `databaseUrl` when it is set (`sqliteSync` is SQLite's alone: the
 * configuration refuses it beside a URL). A schema newer than this csc's is refused
 * (`NewerSchemaError`) by either engine.
 */
export async function openStore(config: StoreConfig, log: Logger): Promise<Store> {
  if (config.databaseUrl === undefined) return new SqliteStore(config.dataDir, log, { synchronous: config.sqliteSync });
  // Loaded only here, so that a master on SQLite never loads the PostgreSQL client.
  const { PgStore } = await import('./pg/index.js');
  return PgStore.open(config.databaseUrl, log);
}
