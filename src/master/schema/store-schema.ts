/** Thrown when `csc migrate` cannot run; the message says why in plain words. */
export class MigrateError extends Error {
  override readonly name = 'MigrateError';
}

/** Where a master's store stands against this csc's migrations, on either engine. */
export interface StoreSchema {
  /** The engine as people name it: `SQLite`, `PostgreSQL`. */
  engine: string;
  /** The database as it may be shown: the SQLite file, or the PostgreSQL URL without its password. */
  database: string;
  /** False for a data dir no master (nor `csc migrate`) has made a SQLite database in yet; a reachable PostgreSQL database exists. */
  exists: boolean;
  /** Its schema version; 0 when it has none yet. */
  version: number;
  /** The newest version this csc knows (of this engine's migrations). */
  known: number;
  /** The migrations' files (`0001_nodes.sql`) it has, oldest first. */
  applied: string[];
  /** Those it lacks, in the order they apply. */
  pending: string[];
}

/** What a migration did. */
export interface MigrateReport {
  /** Where the store stood before. */
  before: StoreSchema;
  /** The schema version it is at now. */
  version: number;
}

/** What a migration works on, and whom it tells as it goes. */
export interface MigrateOptions {
  dataDir: string;
  /** The PostgreSQL database to migrate; undefined: the SQLite store in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Before the first migration, with where the store stands. */
  onStart?: (schema: StoreSchema) => void;
  /** After each migration has committed: its file and how long it took. */
  onApplied?: (file: string, ms: number) => void;
}
