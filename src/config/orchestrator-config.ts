import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { resolveChatSettings, type ChatSettings } from './bridge-config.js';
import type { Environment } from './environment.js';
import { resolveLogSettings, type LogSettings } from './log-settings.js';
import { CONF_TEMPLATE } from './orchestrator-template.js';

const APPROVAL = ['never', 'on-request', 'untrusted'] as const;
const SANDBOX = ['read-only', 'workspace-write', 'danger-full-access'] as const;

const seconds = z.number().min(0);
const PollingSchema = z
  .object({
    poll_timeout: z.number().int().min(0).max(50).default(30),
    loop_sleep_sec: seconds.default(1),
    delete_webhook_on_start: z.boolean().default(true),
    drop_pending_updates: z.boolean().default(false),
    ignore_pending_updates_on_start: z.boolean().default(true),
    require_mcp_warmup: z.boolean().default(true),
    cancel_wait_timeout_sec: seconds.default(5),
  })
  .strict();
const CodexSchema = z
  .object({
    mcp_command: z.string().min(1).optional(),
    mcp_args: z.union([z.string(), z.array(z.string())]).default('app-server'),
    mcp_client_timeout_seconds: z.number().positive().default(360_000),
    allow_echo_executor: z.boolean().default(false),
    approval_policy: z.enum(APPROVAL).default('never'),
    sandbox: z.enum(SANDBOX).default('workspace-write'),
    mcp_direct_status: z.boolean().default(true),
    mcp_status_cmd: z.string().min(1).optional(),
    mcp_auto_detect_process: z.boolean().default(false),
  })
  .strict();
const ProfileSchema = z.object({ model: z.string().min(1).optional(), working_directory: z.string().min(1).optional() }).strict();
const AgentSchema = z.object({ prompt: z.string().min(1).optional(), model: z.string().min(1).optional() }).strict();
const ConfSchema = z
  .object({
    telegram: z
      .object({ allowed_users: z.array(z.number().int()).default([]), polling: PollingSchema.default(PollingSchema.parse({})) })
      .strict()
      .default({ allowed_users: [], polling: PollingSchema.parse({}) }),
    codex: CodexSchema.default(CodexSchema.parse({})),
    profile: z.object({ default: z.string().min(1).default('default') }).strict().default({ default: 'default' }),
    profiles: z.record(z.string(), ProfileSchema).default({}),
    agents: z.record(z.string(), AgentSchema).default({}),
  })
  .strict();

type Conf = z.infer<typeof ConfSchema>;

/** A profile: the model and working directory a run uses (`~` expanded). */
export interface RunProfile {
  model?: string;
  workingDirectory: string;
}

/** One agent of the multi-mode pipeline. */
export interface AgentSettings {
  name: string;
  prompt: string;
  model?: string;
}

/** Everything `csc telegram` needs: the conf file, the token, and where its files live. */
export interface OrchestratorConfig {
  confPath: string;
  /** Sessions and traces live here: the conf file's directory. */
  baseDir: string;
  botToken: string;
  apiRoot: string;
  allowedUsers: string[];
  polling: Conf['telegram']['polling'];
  codex: Omit<Conf['codex'], 'mcp_args'> & { mcp_args: string[] };
  defaultProfile: string;
  profiles: Record<string, RunProfile>;
  agents: AgentSettings[];
  /** `CHAT_LANGUAGE` and `CHAT_TRANSCRIBE_*`, read as the bridge reads them. */
  chat: ChatSettings;
  log: LogSettings;
  /** True when this run wrote the template: the caller says where. */
  templateWritten: boolean;
}

/** The pipeline of `/mode multi` when `[agents.*]` names none. */
export const DEFAULT_AGENTS: readonly AgentSettings[] = [
  { name: 'planner', prompt: 'You are the planner. Write a short numbered plan for the request below. Do not edit files.' },
  { name: 'coder', prompt: 'You are the coder. Carry out the plan below for the request, then say what you changed.' },
  { name: 'reviewer', prompt: 'You are the reviewer. Review the work below. End with a line "Verdict: APPROVE" or "Verdict: REQUEST CHANGES".' },
];

/** `~` and `~/…` → the home directory. */
export function expandHome(path: string, home: string = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * Reads `CODEX_CONF_PATH` (default `~/.codex-orchestrator/conf.toml`), writing the commented
 * template there first when it is missing, and `TELEGRAM_BOT_TOKEN` / `TELEGRAM_API_ROOT`.
 * Every problem is a `ConfigError` naming the key (`[telegram.polling] poll_timeout`).
 */
export function resolveOrchestratorConfig(env: Environment, isTty = false): OrchestratorConfig {
  const home = env.get('HOME')?.value ?? homedir();
  const confPath = expandHome(env.get('CODEX_CONF_PATH')?.value ?? '~/.codex-orchestrator/conf.toml', home);
  const templateWritten = !existsSync(confPath);
  if (templateWritten) {
    mkdirSync(dirname(confPath), { recursive: true });
    writeFileSync(confPath, CONF_TEMPLATE, { mode: 0o600 });
  }
  const conf = parseConf(confPath);
  const botToken = env.get('TELEGRAM_BOT_TOKEN')?.value;
  if (botToken === undefined) {
    const conf = templateWritten ? `wrote a commented config template to ${confPath}: edit it` : `config: ${confPath}`;
    throw new ConfigError('TELEGRAM_BOT_TOKEN', `not set: export the token BotFather gave you (${conf})`);
  }
  const profiles = Object.fromEntries(
    Object.entries(conf.profiles).map(([name, p]) => [name, { ...(p.model === undefined ? {} : { model: p.model }), workingDirectory: expandHome(p.working_directory ?? '~', home) }]),
  );
  profiles[conf.profile.default] ??= { workingDirectory: home };
  return {
    confPath,
    baseDir: dirname(confPath),
    botToken,
    apiRoot: env.get('TELEGRAM_API_ROOT')?.value ?? 'https://api.telegram.org',
    allowedUsers: conf.telegram.allowed_users.map(String),
    polling: conf.telegram.polling,
    codex: { ...conf.codex, mcp_args: typeof conf.codex.mcp_args === 'string' ? conf.codex.mcp_args.split(/\s+/).filter(Boolean) : conf.codex.mcp_args },
    defaultProfile: conf.profile.default,
    profiles,
    agents: agentsOf(conf.agents),
    chat: resolveChatSettings({}, env),
    templateWritten,
    log: resolveLogSettings({}, env, isTty),
  };
}

function agentsOf(agents: Conf['agents']): AgentSettings[] {
  if (Object.keys(agents).length === 0) return [...DEFAULT_AGENTS];
  return Object.entries(agents).map(([name, a]) => {
    const prompt = a.prompt ?? DEFAULT_AGENTS.find((d) => d.name === name)?.prompt ?? `You are the ${name}.`;
    return { name, prompt, ...(a.model === undefined ? {} : { model: a.model }) };
  });
}

function parseConf(confPath: string): Conf {
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(confPath, 'utf8'));
  } catch (error) {
    throw new ConfigError(confPath, `not valid TOML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ConfSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(keyName(issue?.path ?? [], issue?.code === 'unrecognized_keys' ? issue.keys : []), `${issue?.message ?? 'invalid'} (in ${confPath})`);
}

/** `['telegram', 'polling', 'poll_timeout']` → `[telegram.polling] poll_timeout`. */
function keyName(path: readonly PropertyKey[], unknownKeys: readonly string[]): string {
  const parts = [...path.map(String), ...unknownKeys.slice(0, 1)];
  if (parts.length <= 1) return parts[0] === undefined ? 'conf.toml' : `[${parts[0]}]`;
  return `[${parts.slice(0, -1).join('.')}] ${parts[parts.length - 1] ?? ''}`;
}
