import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_APPROVAL_TIMEOUT_SEC, type Budgets } from '../protocol/index.js';
import type { Environment } from './environment.js';
import { resolveLogSettings, type LogSettings } from './log-settings.js';
import {
  booleanSchema,
  byteSizeSchema,
  defaultDataDir,
  hostSchema,
  pathSchema,
  portSchema,
  positiveSecondsSchema,
  resolveSetting,
  tagsSchema,
  tokenSchema,
} from './settings.js';
import { resolveDatabaseUrl, resolveSqliteSync, type SqliteSyncSetting } from './store-config.js';
import { resolveMasterTls, type MasterTls } from './tls-settings.js';

/** Everything `csc master` needs, validated. */
export interface MasterConfig {
  host: string;
  /** WebSocket port for nodes and bridges. */
  port: number;
  httpHost: string;
  httpPort: number;
  dataDir: string;
  /** The shared node credential; generated and stored in `dataDir` when undefined. */
  token: string | undefined;
  /** The shared bridge credential; generated and stored in `dataDir` when undefined. */
  bridgeToken: string | undefined;
  /** Dashboard/API token; generated and stored in `dataDir` when undefined. */
  adminToken: string | undefined;
  pingIntervalSec: number;
  /** Pings in a row a client may miss before it is disconnected. */
  maxMissedPings: number;
  maxPayloadBytes: number;
  /** Outgoing bytes a socket may have queued before it must keep draining to stay connected. */
  maxSendBufferBytes: number;
  /** `MASTER_SEND_STALL`: seconds a socket over `maxSendBufferBytes` may drain nothing before it is dropped (default 10). */
  sendStallSec?: number;
  jobs: {
    /** Times a job is handed to a node before it is `lost`. */
    maxAttempts: number;
    defaultTimeoutSec: number;
    requeueGraceSec: number;
    cancelWaitSec: number;
    /** Accept local repository paths as job repositories (tests and labs only). */
    allowLocalRepos: boolean;
    /** `MASTER_QUEUE_TIMEOUT`: a job still queued this long fails, saying why it never started; undefined: jobs wait. */
    queueTimeoutSec?: number | undefined;
    /** `MASTER_APPROVAL_TIMEOUT`: seconds a question of Codex waits for an answer before it is declined, unless the job's profile says (default 600). */
    approvalTimeoutSec?: number | undefined;
  };
  /**
   * `MASTER_DATABASE_URL` / `--database-url`: the store is this PostgreSQL database (a postgres:// or
   * postgresql:// URL, never logged with its password); undefined: SQLite in `dataDir`.
   */
  databaseUrl?: string | undefined;
  /**
   * `MASTER_SQLITE_SYNC`: `full` (the default) makes every commit durable before anything is
   * acknowledged; `normal` is faster, but the last commits can vanish on power loss. SQLite only:
   * undefined with `databaseUrl` (setting both is refused).
   */
  sqliteSync?: SqliteSyncSetting | undefined;
  /**
   * `MASTER_NAME`: how people tell this master from the others sharing its database (the dashboard's
   * nodes, the start line); default `host:port` of its WebSocket (`defaultMasterName`). Not an identity:
   * each start has a fresh id.
   */
  name?: string | undefined;
  /**
   * `MASTER_LEASE_SEC`: seconds a master sharing a PostgreSQL database stays alive to the others
   * without renewing its lease (renewed every third of it); a master dead that long has its jobs taken
   * over. Default 10; unused on SQLite.
   */
  leaseSec?: number | undefined;
  /** Tags a new remote node record gets when it names none (the dashboard's mock-up list). */
  remoteDefaultTags: string[];
  /** `MASTER_PROFILES_FILE`: named profiles and the pipeline's agents (TOML), read at start; read-only through the API. */
  profilesFile?: string | undefined;
  /** `MASTER_BUDGET_USER_DAILY`, `MASTER_BUDGET_CHAT_DAILY`, `MASTER_BUDGET_DAILY`: tokens per day until `PUT /api/budgets` saves others. */
  budgets?: Budgets | undefined;
  /** `--tls-cert` / `--tls-key`: both ports serve TLS (wss://, https://); undefined: plain ws/http. */
  tls?: MasterTls | undefined;
  /** What the maintenance sweeper prunes (off by default: everything is kept). */
  retention?: RetentionSettings | undefined;
  /** `MASTER_METRICS_PUBLIC`: `GET /metrics` without the admin token (a scraper on a trusted network); default false. */
  metricsPublic?: boolean | undefined;
  log: LogSettings;
}

/** Days after its end that a finished job, or only its events, is kept; undefined: forever. */
export interface RetentionSettings {
  /** `MASTER_RETENTION_DAYS`: finished jobs are deleted with their events (their usage rows stay). */
  jobDays: number | undefined;
  /** `MASTER_EVENT_RETENTION_DAYS`: finished jobs keep their row, result and last event; the other events go. */
  eventDays: number | undefined;
}

/** CLI flags of `csc master`, as commander hands them over (strings, unset when not given). */
export interface MasterFlags {
  host?: string;
  port?: string;
  httpHost?: string;
  httpPort?: string;
  dataDir?: string;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: string;
  logFormat?: string;
}

/** Seconds, or `off` / `0` for none. */
const queueTimeoutSchema = z.preprocess((value) => (value === 'off' || value === '0' ? undefined : value), positiveSecondsSchema.optional());
/** Whole seconds, as a job's `profile.approvalTimeoutSec` takes them. */
const approvalTimeoutSchema = z.coerce.number({ message: 'must be a number of seconds' }).int('must be whole seconds').min(1, 'must be at least 1').max(86_400, 'must be at most 86400 (a day)');

/** Tokens per day, or `off` / `0` / empty for no cap. */
const budgetSchema = z.preprocess(
  (value) => (value === 'off' || value === '0' || value === '' ? null : value),
  z.coerce.number({ message: 'must be a number of tokens' }).int('must be a whole number of tokens').positive('must be more than 0').nullable(),
);

function resolveBudgets(env: Environment): Budgets {
  const budget = (key: string) => resolveSetting({ env: key, schema: budgetSchema, fallback: () => null }, undefined, env);
  return { userDaily: budget('MASTER_BUDGET_USER_DAILY'), chatDaily: budget('MASTER_BUDGET_CHAT_DAILY'), masterDaily: budget('MASTER_BUDGET_DAILY') };
}

/** Whole days, or `off` / `0` / empty for none. */
const retentionDaysSchema = z.preprocess(
  (value) => (value === 'off' || value === '0' || value === '' ? undefined : value),
  z.coerce.number({ message: 'must be a number of days' }).int('must be whole days').min(1, 'must be at least 1 day').max(36_500, 'must be at most 36500 days').optional(),
);

function resolveRetention(env: Environment): RetentionSettings {
  const days = (key: string) => resolveSetting({ env: key, schema: retentionDaysSchema, fallback: () => undefined }, undefined, env);
  return { jobDays: days('MASTER_RETENTION_DAYS'), eventDays: days('MASTER_EVENT_RETENTION_DAYS') };
}

/** What a person can read in a list: printable, one line, short. */
const masterNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must be printable text on one line');
/** Seconds: at least 2 (renewed every third of it, a renewal must fit between the checks); at most 10 minutes (seconds, not milliseconds). */
const leaseSchema = z.coerce
  .number({ message: 'must be a number of seconds' })
  .min(2, 'must be at least 2 seconds')
  .max(600, 'must be at most 600 seconds (it is in seconds, not milliseconds)');

/** The lease when `MASTER_LEASE_SEC` is unset. */
export const DEFAULT_LEASE_SEC = 10;

/**
 * `host:port` of the WebSocket, as other machines would reach it: a wildcard bind is named by this
 * machine's host name. A port of 0 (picked at start, after the name is needed) adds the pid instead.
 */
export function defaultMasterName(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return port === 0 ? `${shown} (pid ${process.pid})` : `${shown}:${port}`;
}

const attemptsSchema = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20');

export function resolveMasterConfig(flags: MasterFlags, env: Environment, isTty: boolean): MasterConfig {
  const host = resolveSetting({ flag: 'host', env: 'MASTER_HOST', schema: hostSchema, fallback: () => '127.0.0.1' }, flags.host, env);
  const databaseUrl = resolveDatabaseUrl(flags.databaseUrl, env);
  const port = resolveSetting({ flag: 'port', env: 'MASTER_PORT', schema: portSchema, fallback: () => 8765 }, flags.port, env);
  return {
    host,
    port,
    httpHost: resolveSetting({ flag: 'http-host', env: 'MASTER_HTTP_HOST', schema: hostSchema, fallback: () => host }, flags.httpHost, env),
    httpPort: resolveSetting({ flag: 'http-port', env: 'MASTER_HTTP_PORT', schema: portSchema, fallback: () => 8080 }, flags.httpPort, env),
    dataDir: resolveSetting({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flags.dataDir, env),
    token: resolveSetting({ env: 'MASTER_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, undefined, env),
    bridgeToken: resolveSetting({ env: 'MASTER_BRIDGE_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, undefined, env),
    adminToken: resolveSetting({ env: 'MASTER_ADMIN_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, undefined, env),
    pingIntervalSec: resolveSetting({ env: 'MASTER_PING_INTERVAL', schema: positiveSecondsSchema, fallback: () => 15 }, undefined, env),
    maxMissedPings: 3,
    maxPayloadBytes: resolveSetting({ env: 'MASTER_MAX_PAYLOAD', schema: byteSizeSchema, fallback: () => 1024 * 1024 }, undefined, env),
    maxSendBufferBytes: resolveSetting(
      { env: 'MASTER_MAX_SEND_BUFFER', schema: byteSizeSchema, fallback: () => 16 * 1024 * 1024 },
      undefined,
      env,
    ),
    sendStallSec: resolveSetting({ env: 'MASTER_SEND_STALL', schema: positiveSecondsSchema, fallback: () => 10 }, undefined, env),
    jobs: {
      maxAttempts: resolveSetting({ env: 'MASTER_JOB_ATTEMPTS', schema: attemptsSchema, fallback: () => 3 }, undefined, env),
      defaultTimeoutSec: resolveSetting({ env: 'MASTER_JOB_TIMEOUT', schema: positiveSecondsSchema, fallback: () => 3600 }, undefined, env),
      requeueGraceSec: resolveSetting({ env: 'MASTER_JOB_REQUEUE_GRACE', schema: positiveSecondsSchema, fallback: () => 30 }, undefined, env),
      cancelWaitSec: resolveSetting({ env: 'MASTER_CANCEL_WAIT', schema: positiveSecondsSchema, fallback: () => 5 }, undefined, env),
      allowLocalRepos: resolveSetting({ env: 'MASTER_ALLOW_LOCAL_REPOS', schema: booleanSchema, fallback: () => false }, undefined, env),
      queueTimeoutSec: resolveSetting({ env: 'MASTER_QUEUE_TIMEOUT', schema: queueTimeoutSchema, fallback: () => undefined }, undefined, env),
      approvalTimeoutSec: resolveSetting({ env: 'MASTER_APPROVAL_TIMEOUT', schema: approvalTimeoutSchema, fallback: () => DEFAULT_APPROVAL_TIMEOUT_SEC }, undefined, env),
    },
    databaseUrl,
    sqliteSync: resolveSqliteSync(env, databaseUrl),
    name: resolveSetting({ env: 'MASTER_NAME', schema: masterNameSchema, fallback: () => defaultMasterName(host, port) }, undefined, env),
    leaseSec: resolveSetting({ env: 'MASTER_LEASE_SEC', schema: leaseSchema, fallback: () => DEFAULT_LEASE_SEC }, undefined, env),
    remoteDefaultTags: resolveSetting({ env: 'REMOTE_DEFAULT_TAGS', schema: tagsSchema, fallback: () => [] }, undefined, env),
    profilesFile: resolveSetting({ env: 'MASTER_PROFILES_FILE', schema: pathSchema.optional(), fallback: () => undefined }, undefined, env),
    budgets: resolveBudgets(env),
    tls: resolveMasterTls(flags, env),
    retention: resolveRetention(env),
    metricsPublic: resolveSetting({ env: 'MASTER_METRICS_PUBLIC', schema: booleanSchema, fallback: () => false }, undefined, env),
    log: resolveLogSettings(flags, env, isTty),
  };
}
