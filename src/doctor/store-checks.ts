import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorConfig, StoreTarget } from '../config/index.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';

/** The SQLite store's file in a data dir (the master's `SQLITE_FILE`). */
const SQLITE_FILE = 'master.db';

/** Where a store stands, as `csc migrate --status` reads it; `database` never has a password in it. */
export interface StoreSchemaReading {
  kind: 'schema';
  /** `SQLite` or `PostgreSQL`. */
  engine: string;
  database: string;
  /** False for a data dir without a SQLite database yet. */
  exists: boolean;
  version: number;
  known: number;
  /** The migrations' files it lacks. */
  pending: string[];
}

/** What reading the store found. The CLI reads it (the doctor looks from outside and imports no master code). */
export type StoreReading =
  | StoreSchemaReading
  | { kind: 'newer'; engine: string; database: string; found: number; known: number }
  /** `message`: what could not be read and why, naming the store without its password (`cannot read the store at …: …`). */
  | { kind: 'unreadable'; engine: string; message: string };

/** Reads the store of `target`, giving up on a server that does not answer within `connectTimeoutMs`. */
export type StoreProbe = (target: StoreTarget, connectTimeoutMs: number) => Promise<StoreReading>;

/** A server that does not answer by then is reported as unreachable: the doctor must not hang on a dropped SYN. */
export const STORE_CONNECT_TIMEOUT_MS = 3_000;

/**
 * The master's store on this host: PostgreSQL (MASTER_DATABASE_URL) reachable, and either engine's
 * schema current, behind (the master migrates it when it starts) or newer (the master refuses it).
 * Skipped where no master keeps a store: no database URL and no SQLite file in the data dir.
 */
export async function checkStore(config: DoctorConfig, probe: StoreProbe | undefined): Promise<CheckResult> {
  const target: StoreTarget = { dataDir: config.dataDir, databaseUrl: config.databaseUrl };
  const file = join(config.dataDir, SQLITE_FILE);
  if (target.databaseUrl === undefined && !existsSync(file)) return skip('store', `no master store here: no ${file} (a master makes it when it first starts) and no MASTER_DATABASE_URL`);
  if (probe === undefined) return skip('store', 'not checked');
  return storeVerdict(await probe(target, STORE_CONNECT_TIMEOUT_MS));
}

/** The check's result for what reading the store found. */
export function storeVerdict(reading: StoreReading): CheckResult {
  if (reading.kind === 'unreadable') {
    const hint = reading.engine === 'PostgreSQL' ? 'check that PostgreSQL runs and MASTER_DATABASE_URL (host, port, user, password, database): psql "$MASTER_DATABASE_URL" -c "select 1"' : `check the file: it must be the master's SQLite database (csc restore puts a backup in place)`;
    return fail('store', reading.message, hint);
  }
  const store = `${reading.engine} ${reading.database}`;
  if (reading.kind === 'newer') {
    return fail('store', `the store ${store} was written by a newer csc: schema ${reading.found}, this csc knows ${reading.known}`, 'upgrade csc on this host: the master refuses to start on this store');
  }
  if (!reading.exists) return skip('store', `no database yet at ${reading.database}: the master makes it when it first starts`);
  if (reading.pending.length === 0) return ok('store', `${store}, schema ${reading.version}: current`);
  const pending = reading.pending.length;
  const backup = reading.engine === 'PostgreSQL' ? 'pg_dump' : 'csc backup FILE';
  return warn(
    'store',
    `${store} is at schema ${reading.version}, this csc knows ${reading.known}: ${pending} migration${pending === 1 ? '' : 's'} pending`,
    `the master applies ${pending === 1 ? 'it' : 'them'} when it starts; to choose the moment, back up (${backup}) and run csc migrate`,
    { detail: reading.pending.join(', ') },
  );
}
