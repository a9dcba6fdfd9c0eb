import { homedir } from 'node:os';
import { join } from 'node:path';
import { childEnvironment } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { defaultCodexCommand, hasMcpServer, launcherArgs, readCodexVersion, type CodexSubcommand } from './codex-binary.js';
import { CodexDriver } from './codex-driver.js';
import { logProtocolDrift } from './drift-report.js';
import { McpCodexDriver } from './mcp-driver.js';
import type { ProtocolDrift } from './protocol-drift.js';
import { CodexError } from './errors.js';
import { explainStartFailure, notLoggedIn, type StartFailure } from './start-failure.js';
import type { TurnDriver } from './turn-driver.js';

/** The Codex program to drive, and what to tell the operator when its mcp-server is gone. */
export interface CodexLaunch {
  command?: string;
  args: string[];
  overrides?: Readonly<Record<string, string>>;
  /** Laid over the inherited environment (tests: a private CODEX_HOME). */
  env?: Readonly<Record<string, string>>;
  /** Secret values this process holds (its token, tokens read from files): no variable holding one reaches Codex. */
  hiddenValues: readonly (string | undefined)[];
  /** Who is speaking: `this node`, `the runner`. */
  who: string;
  /** How to drop mcp-server in this program's own settings (a flag, a conf key). */
  fixHint: string;
  /** Where `overrides` come from, as a start failure names them: `--codex-config (NODE_CODEX_CONFIG)`. */
  overridesFrom: string;
  /** Where the command is set: `--codex-command (NODE_CODEX_COMMAND)`. */
  commandSetting: string;
}

/** A Codex that would not start, explained (`failure`): what happened and what to do. */
export class CodexStartFailure extends CodexError {
  constructor(
    readonly failure: StartFailure,
    options?: ErrorOptions,
  ) {
    super(`${failure.summary}. ${failure.hint}`, options);
  }
}

/**
 * `mcp-server` when the arguments ask for it (the seeds' `mcp_args`) and the Codex they name still
 * has it (≤ 0.153); otherwise `app-server`, saying once why when mcp-server was asked for.
 */
async function chooseTransport(launch: CodexLaunch, log: Logger): Promise<{ transport: CodexSubcommand; args: string[] }> {
  const { args } = launch;
  if (!args.includes('mcp-server')) return { transport: 'app-server', args };
  const command = launch.command ?? defaultCodexCommand();
  const version = await readCodexVersion(command, childEnvironment({ values: launch.hiddenValues }), launcherArgs(args, 'mcp-server'));
  if (hasMcpServer(version)) return { transport: 'mcp-server', args };
  log.warn(`Codex ${version} removed \`codex mcp-server\` in 0.154; ${launch.who} drives \`codex app-server\` instead. ${launch.fixHint}`);
  return { transport: 'app-server', args: args.map((arg) => (arg === 'mcp-server' ? 'app-server' : arg)) };
}

/** The driver the launch settings choose, not started yet (so that it can be closed while it starts). */
export async function createDriver(launch: CodexLaunch, log: Logger): Promise<{ driver: TurnDriver; transport: CodexSubcommand }> {
  const { transport, args } = await chooseTransport(launch, log);
  const Driver = transport === 'mcp-server' ? McpCodexDriver : CodexDriver;
  const driver = new Driver({
    baseEnv: childEnvironment({ values: launch.hiddenValues }),
    ...(launch.command === undefined ? {} : { command: launch.command }),
    args,
    ...(launch.overrides === undefined ? {} : { configOverrides: launch.overrides }),
    ...(launch.env === undefined ? {} : { env: launch.env }),
    log,
  });
  return { driver, transport };
}

/** A started driver: its Codex version, and the protocol drift, logged once in the background (`drift` settles then). */
export interface StartedCodex {
  codexVersion: string;
  drift: Promise<ProtocolDrift | undefined>;
}

function codexHomeOf(launch: CodexLaunch, env: NodeJS.ProcessEnv): string {
  return launch.env?.CODEX_HOME ?? env.CODEX_HOME ?? join(homedir(), '.codex');
}

/**
 * Starts a created driver. One that fails to start is closed, and the failure explained
 * (`CodexStartFailure`); one that started says so when Codex is not logged in, and the drift of
 * the app-server's protocol from the tested snapshot is logged.
 */
export async function startVersioned(driver: TurnDriver, launch: CodexLaunch, log: Logger): Promise<StartedCodex> {
  const env = childEnvironment({ values: launch.hiddenValues });
  const command = launch.command ?? defaultCodexCommand();
  let codexVersion: string;
  try {
    await driver.start();
    codexVersion = await driver.version();
  } catch (error) {
    await driver.close();
    const context = { command, overrides: launch.overrides ?? {}, overridesFrom: launch.overridesFrom, commandSetting: launch.commandSetting, codexHome: codexHomeOf(launch, env) };
    throw new CodexStartFailure(explainStartFailure(error, context), { cause: error });
  }
  const account = await driver.account?.().catch(() => undefined);
  if (account && !account.loggedIn && account.requiresOpenaiAuth) {
    const { summary, hint } = notLoggedIn(codexHomeOf(launch, env));
    log.warn(`${summary}. ${hint}`);
  }
  const args = launcherArgs(launch.args, 'app-server');
  const drift = driver.account === undefined ? Promise.resolve(undefined) : logProtocolDrift([command, ...args], env, codexVersion, log);
  return { codexVersion, drift };
}

/** Starts the driver the launch settings choose (see `startVersioned`). */
export async function startDriver(launch: CodexLaunch, log: Logger): Promise<StartedCodex & { driver: TurnDriver; transport: CodexSubcommand }> {
  const { driver, transport } = await createDriver(launch, log);
  return { driver, transport, ...(await startVersioned(driver, launch, log)) };
}
