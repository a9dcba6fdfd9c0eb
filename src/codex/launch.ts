import { childEnvironment } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { defaultCodexCommand, hasMcpServer, launcherArgs, readCodexVersion, type CodexSubcommand } from './codex-binary.js';
import { CodexDriver } from './codex-driver.js';
import { McpCodexDriver } from './mcp-driver.js';
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

/** Starts a created driver and returns its Codex version; one that fails to start is closed before the error goes on. */
export async function startVersioned(driver: TurnDriver): Promise<string> {
  try {
    await driver.start();
    return await driver.version();
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** Starts the driver the launch settings choose (see `startVersioned`). */
export async function startDriver(launch: CodexLaunch, log: Logger): Promise<{ driver: TurnDriver; transport: CodexSubcommand; codexVersion: string }> {
  const { driver, transport } = await createDriver(launch, log);
  return { driver, transport, codexVersion: await startVersioned(driver) };
}
