import pg from 'pg';
import type { ClientConfig } from 'pg';

/**
 * Type parsers for the store's connections: `bigint` columns (ids, seqs, counts, token sums) read
 * as numbers, as SQLite's INTEGER does. The store's numbers stay far below 2^53, where a number is
 * exact. Per client, not `pg.types.setTypeParser`: nothing else in the process is changed.
 */
const STORE_TYPES = new pg.TypeOverrides();
STORE_TYPES.setTypeParser(pg.types.builtins.INT8, Number);

/** How a store connection is made. */
export interface PgClientOptions {
  /** Shown in `pg_stat_activity`, so an operator can tell the master's sessions apart. */
  applicationName: string;
  /** Queries are sent without waiting for the previous one's answer (node-postgres' pipeline mode). */
  pipeline?: boolean;
  /** Give up connecting after this long; default: no limit of the client's own. */
  connectTimeoutMs?: number | undefined;
}

/**
 * A client for the database at `url` (not connected yet). TCP keep-alive is on: a server that
 * vanished without closing the connection is noticed, and the writer reconnects.
 */
export function pgClient(url: string, options: PgClientOptions): pg.Client {
  const config: ClientConfig = {
    connectionString: url,
    application_name: options.applicationName,
    types: STORE_TYPES,
    keepAlive: true,
    pipeline: options.pipeline ?? false,
  };
  if (options.connectTimeoutMs !== undefined) config.connectionTimeoutMillis = options.connectTimeoutMs;
  return new pg.Client(config);
}

const NUL = '\0';
const REPLACEMENT = '\uFFFD';

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && item.includes(NUL));
}

function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll(NUL, REPLACEMENT);
  return (value as unknown[]).map((item) => (typeof item === 'string' ? item.replaceAll(NUL, REPLACEMENT) : item));
}

/**
 * Parameters as PostgreSQL's text can hold them: it cannot hold U+0000 (SQLite can), and a value
 * with one would fail its statement and so the unit of work of every write beside it. JSON never
 * has one (JSON.stringify escapes it); a prompt or a node's error message could: the character is
 * stored as U+FFFD, the replacement character, instead.
 */
export function storableValues(values: readonly unknown[]): readonly unknown[] {
  return values.some(hasNul) ? values.map((value) => (hasNul(value) ? storable(value) : value)) : values;
}
