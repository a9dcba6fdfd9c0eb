import type { MasterUrls } from '../protocol/master-addresses.js';
import type { MasterTrust } from '../protocol/master-socket.js';
import type { Environment } from './environment.js';
import { resolveDeliverySettings, type DeliverySettings } from './delivery-settings.js';
import { resolveLogSettings, type LogSettings } from './log-settings.js';
import { defaultNodeName, nodeNameSchema } from './node-name.js';
import {
  booleanSchema,
  defaultDataDir,
  hostSchema,
  pathSchema,
  portSchema,
  resolveSetting,
  tagsSchema,
  tokenSchema,
} from './settings.js';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { resolveMasterTrust, resolveMasterUrls } from './tls-settings.js';

/** Everything `csc node` needs, validated. */
export interface NodeConfig {
  /** `--host` / `--port`; `masterUrls` is what the node dials. */
  host: string;
  port: number;
  /** `ws://` or `wss://` addresses of the masters, tried in turn: `--master a,b`, else `ws://host:port`. */
  masterUrls: MasterUrls;
  /** The CAs of `--ca` for `wss://` masters; undefined: the public CAs. */
  trust: MasterTrust | undefined;
  /** A safe path segment (see `nodeNameSchema`): it names the node's journal and workspace dirs. */
  name: string;
  tags: string[];
  /** Undefined: read the master's generated token from `dataDir` (same host, default data dir). */
  token: string | undefined;
  dataDir: string;
  /** Jobs run at once. */
  slots: number;
  /** Run jobs with the echo executor (answers with the prompt): demos and smoke tests only. */
  allowEchoExecutor: boolean;
  /** Where jobs without a repository run. */
  workdir: string;
  /** Accept local repository paths as job repositories (tests and labs only). */
  allowLocalRepos: boolean;
  codex: {
    /** Undefined: the binary of the installed `@openai/codex` package, else `codex` on PATH. */
    command: string | undefined;
    /**
     * Launcher arguments (npx's `-y @openai/codex@0.153.4`), then the subcommand and its options.
     * `mcp-server` asks for the legacy MCP transport (Codex ≤ 0.153); the node checks the version.
     */
    args: string[];
    /** `-c key=value` overrides passed to Codex. */
    overrides: Record<string, string>;
  };
  /** Commits, diffs, branches and publishing of jobs' changes. */
  delivery: DeliverySettings;
  log: LogSettings;
}

export interface NodeFlags {
  master?: string;
  ca?: string;
  host?: string;
  port?: string;
  name?: string;
  tags?: string;
  token?: string;
  dataDir?: string;
  slots?: string;
  allowEchoExecutor?: boolean;
  workdir?: string;
  codexCommand?: string;
  codexArg?: string[];
  codexConfig?: string[];
  logLevel?: string;
  logFormat?: string;
}

const slotsSchema = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(64, 'must be at most 64');
/** `key=value` pairs for Codex's `-c`; the value is TOML, passed through as written. */
function parseOverrides(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new ConfigError('--codex-config', `expected key=value, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/** The node's settings: flag > environment > `.env` > default. */
export function resolveNodeConfig(flags: NodeFlags, env: Environment, isTty: boolean): NodeConfig {
  const host = resolveSetting({ flag: 'host', env: 'MASTER_HOST', schema: hostSchema, fallback: () => '127.0.0.1' }, flags.host, env);
  const port = resolveSetting({ flag: 'port', env: 'MASTER_PORT', schema: portSchema, fallback: () => 8765 }, flags.port, env);
  return {
    host,
    port,
    masterUrls: resolveMasterUrls(flags.master, env, host, port),
    trust: resolveMasterTrust(flags.ca, env),
    name: resolveSetting({ flag: 'name', env: 'NODE_NAME', schema: nodeNameSchema, fallback: () => defaultNodeName() }, flags.name, env),
    tags: resolveSetting({ flag: 'tags', env: 'NODE_TAGS', schema: tagsSchema, fallback: () => [] }, flags.tags, env),
    token: resolveSetting({ flag: 'token', env: 'MASTER_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, flags.token, env),
    dataDir: resolveSetting({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flags.dataDir, env),
    slots: resolveSetting({ flag: 'slots', env: 'NODE_SLOTS', schema: slotsSchema, fallback: () => 1 }, flags.slots, env),
    allowEchoExecutor: resolveSetting(
      { flag: 'allow-echo-executor', env: 'NODE_ALLOW_ECHO_EXECUTOR', schema: booleanSchema, fallback: () => false },
      flags.allowEchoExecutor === true ? 'true' : undefined,
      env,
    ),
    workdir: resolveSetting({ flag: 'workdir', env: 'NODE_WORKDIR', schema: pathSchema, fallback: () => process.cwd() }, flags.workdir, env),
    allowLocalRepos: resolveSetting({ env: 'NODE_ALLOW_LOCAL_REPOS', schema: booleanSchema, fallback: () => false }, undefined, env),
    codex: {
      command: resolveSetting({ flag: 'codex-command', env: 'NODE_CODEX_COMMAND', schema: hostSchema.optional(), fallback: () => undefined }, flags.codexCommand, env),
      args: flags.codexArg ?? env.get('NODE_CODEX_ARGS')?.value.split(/\s+/).filter(Boolean) ?? ['app-server'],
      overrides: parseOverrides(flags.codexConfig ?? []),
    },
    delivery: resolveDeliverySettings(env),
    log: resolveLogSettings(flags, env, isTty),
  };
}
