import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { resolveBridgeConfig } from './bridge-config.js';
import { ConfigError } from './config-error.js';
import { resolveDeliverySettings } from './delivery-settings.js';
import { childEnvironment, environmentFrom, type Environment } from './environment.js';
import { SECRET_FILES, readSecretFile } from './secrets.js';
import { resolveDatabaseUrl } from './store-config.js';
import { defaultDataDir, hostSchema, pathSchema, portSchema, resolveSetting, tokenSchema, type Setting } from './settings.js';
import { resolveCaFile, resolveMasterUrls } from './tls-settings.js';

/** A credential `csc doctor` presents to the master; `source` names where it came from (never its value). */
export interface DoctorCredential {
  /** What it should be accepted as; `unknown` (`--token`): whatever the master says it is. */
  role: 'node' | 'bridge' | 'admin' | 'unknown';
  source: string;
  token: string;
}

/** The master's ports on this host, when this host looks like it runs one (its data dir or its settings). */
export interface LocalMasterPorts {
  host: string;
  port: number;
  httpHost: string;
  httpPort: number;
  /** MASTER_TLS_CERT is set: the ports speak TLS. */
  tls: boolean;
}

/** Everything `csc doctor` looks at, resolved the way the master, a node and a bridge resolve it. */
export interface DoctorConfig {
  /** `--offline`: nothing beyond the master is contacted (GitHub, Telegram, Slack). */
  offline: boolean;
  dataDir: string;
  /** `MASTER_DATABASE_URL`: the master's store is this PostgreSQL database; undefined: SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  master: { httpUrl: string; wsUrl: string; ca: Buffer | undefined };
  credentials: DoctorCredential[];
  /** As a node runs Codex: NODE_CODEX_COMMAND (undefined: the installed package, else PATH), NODE_CODEX_ARGS, and the environment it gets. */
  codex: { command: string | undefined; args: string[]; env: NodeJS.ProcessEnv; home: string };
  github: { token: string | undefined; apiUrl: string };
  telegram: { token: string; apiRoot: string } | undefined;
  slack: { botToken: string | undefined; appToken: string | undefined; apiUrl: string } | undefined;
  localMaster: LocalMasterPorts | undefined;
  /** Settings that failed validation: each is reported, and its piece falls back to its default. */
  problems: ConfigError[];
}

export interface DoctorFlags {
  master?: string;
  token?: string;
  ca?: string;
  dataDir?: string;
  offline?: boolean;
}

const anyMasterUrl = z
  .string()
  .trim()
  .url('must be a URL like http://127.0.0.1:8080 or ws://127.0.0.1:8765')
  .refine((u) => /^(https?|wss?):\/\/[^/]/.test(u), 'must be an http(s):// (API) or ws(s):// (WebSocket) address')
  .transform((u) => new URL(u));

/** Runs `resolve`; a ConfigError is kept in `problems` and `fallback` used instead. */
function attempt<T>(problems: ConfigError[], resolve: () => T, fallback: T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Several pieces read the same key (MASTER_PORT): one report of it is enough.
    if (!problems.some((known) => known.message === error.message)) problems.push(error);
    return fallback;
  }
}

/** One setting, its default when its value is bad (the problem is kept): one bad key spoils nothing else. */
type Read = <T>(setting: Setting<T>, flag?: string) => T;

/** A wildcard bind is reached on loopback; an IPv6 literal needs brackets in a URL. */
function reachableHost(host: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
}

/**
 * The master's two addresses. `--master` may name either port: the other is on the same host, at
 * MASTER_PORT / MASTER_HTTP_PORT (8765 / 8080), TLS on both or neither. Without it, they are what
 * `csc node` (MASTER_URL, MASTER_HOST, MASTER_PORT) and `csc job` (MASTER_HTTP_HOST, MASTER_HTTP_PORT) use.
 */
function masterAddresses(read: Read, flag: string | undefined, wsUrlOf: (host: string, port: number, secure: boolean) => string): { httpUrl: string; wsUrl: string } {
  const port = read({ env: 'MASTER_PORT', schema: portSchema, fallback: () => 8765 });
  const httpPort = read({ env: 'MASTER_HTTP_PORT', schema: portSchema, fallback: () => 8080 });
  const given = read({ flag: 'master', schema: anyMasterUrl.optional(), fallback: () => undefined }, flag);
  if (given !== undefined) {
    const secure = given.protocol === 'https:' || given.protocol === 'wss:';
    const base = `${given.protocol}//${given.host}`;
    if (given.protocol.startsWith('http')) return { httpUrl: base, wsUrl: wsUrlOf(given.hostname, port, secure) };
    return { wsUrl: base, httpUrl: `${secure ? 'https' : 'http'}://${given.hostname}:${httpPort}` };
  }
  const host = read({ env: 'MASTER_HOST', schema: hostSchema, fallback: () => '127.0.0.1' });
  const wsUrl = wsUrlOf(host, port, false);
  const httpHost = read({ env: 'MASTER_HTTP_HOST', schema: hostSchema, fallback: () => host });
  return { wsUrl, httpUrl: `${wsUrl.startsWith('wss:') ? 'https' : 'http'}://${reachableHost(httpHost)}:${httpPort}` };
}

/** `--token`, else each of the node, bridge and admin credentials set in the environment or stored in the data dir. */
function credentials(read: Read, flag: string | undefined, env: Environment, dataDir: string): DoctorCredential[] {
  const given = read({ flag: 'token', schema: tokenSchema.optional(), fallback: () => undefined }, flag);
  if (given !== undefined) return [{ role: 'unknown', source: '--token', token: given }];
  const found: DoctorCredential[] = [];
  const kinds = [
    ['node', 'MASTER_TOKEN', SECRET_FILES.nodeToken],
    ['bridge', 'MASTER_BRIDGE_TOKEN', SECRET_FILES.bridgeToken],
    ['admin', 'MASTER_ADMIN_TOKEN', SECRET_FILES.adminToken],
  ] as const;
  for (const [role, key, file] of kinds) {
    const configured = read({ env: key, schema: tokenSchema.optional(), fallback: () => undefined });
    if (configured !== undefined) {
      found.push({ role, source: `${key} (${env.get(key)?.origin ?? 'environment'})`, token: configured });
      continue;
    }
    const path = join(dataDir, file);
    const stored = readSecretFile(path);
    if (stored !== undefined) found.push({ role, source: path, token: stored });
  }
  return found;
}

/** The master's ports here, if this host has a master's data dir or master settings (its ports, or a PostgreSQL store). */
function localMaster(read: Read, env: Environment, dataDir: string): LocalMasterPorts | undefined {
  const keys = ['MASTER_HOST', 'MASTER_PORT', 'MASTER_HTTP_HOST', 'MASTER_HTTP_PORT', 'MASTER_DATABASE_URL'];
  if (!existsSync(join(dataDir, 'master.db')) && !keys.some((key) => env.get(key) !== undefined)) return undefined;
  const host = read({ env: 'MASTER_HOST', schema: hostSchema, fallback: () => '127.0.0.1' });
  return {
    host,
    port: read({ env: 'MASTER_PORT', schema: portSchema, fallback: () => 8765 }),
    httpHost: read({ env: 'MASTER_HTTP_HOST', schema: hostSchema, fallback: () => host }),
    httpPort: read({ env: 'MASTER_HTTP_PORT', schema: portSchema, fallback: () => 8080 }),
    tls: env.get('MASTER_TLS_CERT') !== undefined,
  };
}

function codexSettings(read: Read, problems: ConfigError[], env: Environment, hidden: DoctorCredential[]): DoctorConfig['codex'] {
  const values = { values: hidden.map((c) => c.token) };
  // A bad CSC_HIDDEN_ENV is reported; the built-in names are dropped all the same.
  const childEnv = attempt(problems, () => childEnvironment(values, env), childEnvironment(values, environmentFrom({})));
  return {
    command: read({ env: 'NODE_CODEX_COMMAND', schema: hostSchema.optional(), fallback: () => undefined }),
    args: env.get('NODE_CODEX_ARGS')?.value.split(/\s+/).filter(Boolean) ?? ['app-server'],
    env: childEnv,
    // Codex reads CODEX_HOME from its own environment, not from our `.env`.
    home: childEnv.CODEX_HOME ?? join(homedir(), '.codex'),
  };
}

function chatPlatforms(env: Environment): Pick<DoctorConfig, 'telegram' | 'slack'> {
  const { telegram, slack } = resolveBridgeConfig({}, env, false).platforms;
  return {
    telegram: telegram.botToken === undefined ? undefined : { token: telegram.botToken, apiRoot: telegram.apiRoot },
    slack: slack.botToken === undefined && slack.appToken === undefined ? undefined : { botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl },
  };
}

/**
 * `csc doctor`'s view of this machine: flag > environment > `.env` > default, as every other
 * command. A bad setting does not stop the doctor: it becomes one of `problems` to report.
 */
export function resolveDoctorConfig(flags: DoctorFlags, env: Environment): DoctorConfig {
  const problems: ConfigError[] = [];
  const read: Read = (setting, flag) => attempt(problems, () => resolveSetting(setting, flag, env), setting.fallback());
  const dataDir = read({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flags.dataDir);
  // MASTER_URL wins, as it does for a node (its first master, when it lists several); a bad one is reported and the host and port used.
  const wsUrlOf = (host: string, port: number, secure: boolean) => {
    const derived = `${secure ? 'wss' : 'ws'}://${reachableHost(host)}:${port}`;
    return env.get('MASTER_URL') === undefined ? derived : attempt(problems, () => resolveMasterUrls(undefined, env, host, port)[0], derived);
  };
  const found = credentials(read, flags.token, env, dataDir);
  const github = attempt(problems, () => resolveDeliverySettings(env).github, { token: undefined, apiUrl: undefined });
  return {
    offline: flags.offline === true,
    dataDir,
    databaseUrl: attempt(problems, () => resolveDatabaseUrl(undefined, env), undefined),
    master: { ...masterAddresses(read, flags.master, wsUrlOf), ca: attempt(problems, () => resolveCaFile(flags.ca, env), undefined) },
    credentials: found,
    codex: codexSettings(read, problems, env, found),
    github: { token: github.token, apiUrl: github.apiUrl ?? 'https://api.github.com' },
    ...attempt(problems, () => chatPlatforms(env), { telegram: undefined, slack: undefined }),
    localMaster: localMaster(read, env, dataDir),
    problems,
  };
}
