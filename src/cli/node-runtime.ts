import { join } from 'node:path';
import { SECRET_FILES, childEnvironment, readSecretFile, storedSecretValues, type NodeConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type * as CodexModule from '../codex/index.js';
import type * as NodeModule from '../node/index.js';
import type { AgentMessage, NodeWorker } from '../node/index.js';
import { VERSION } from '../paths.js';
import { EXIT } from './run.js';

export interface ChosenExecutor {
  executor: NodeModule.Executor | undefined;
  codexVersion?: string;
  /** The Codex server the executor drives: `app-server`, or the legacy `mcp-server`. */
  transport?: CodexModule.CodexSubcommand;
  close?: () => Promise<void>;
}

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
async function chooseTransport(codex: typeof CodexModule, launch: CodexLaunch, log: Logger): Promise<{ transport: CodexModule.CodexSubcommand; args: string[] }> {
  const { args } = launch;
  if (!args.includes('mcp-server')) return { transport: 'app-server', args };
  const command = launch.command ?? codex.defaultCodexCommand();
  const version = await codex.readCodexVersion(command, childEnvironment({ values: launch.hiddenValues }), codex.launcherArgs(args, 'mcp-server'));
  if (codex.hasMcpServer(version)) return { transport: 'mcp-server', args };
  log.warn(`Codex ${version} removed \`codex mcp-server\` in 0.154; ${launch.who} drives \`codex app-server\` instead. ${launch.fixHint}`);
  return { transport: 'app-server', args: args.map((arg) => (arg === 'mcp-server' ? 'app-server' : arg)) };
}

/** The driver the launch settings choose, not started yet (so that it can be closed while it starts). */
export async function createDriver(codex: typeof CodexModule, launch: CodexLaunch, log: Logger): Promise<{ driver: CodexModule.TurnDriver; transport: CodexModule.CodexSubcommand }> {
  const { transport, args } = await chooseTransport(codex, launch, log);
  const Driver = transport === 'mcp-server' ? codex.McpCodexDriver : codex.CodexDriver;
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
export async function startVersioned(driver: CodexModule.TurnDriver): Promise<string> {
  try {
    await driver.start();
    return await driver.version();
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** Starts the driver the launch settings choose (see `startVersioned`). */
export async function startDriver(codex: typeof CodexModule, launch: CodexLaunch, log: Logger) {
  const { driver, transport } = await createDriver(codex, launch, log);
  return { driver, transport, codexVersion: await startVersioned(driver) };
}

/**
 * The tokens a node holds: its `--token` (or MASTER_TOKEN), and those of the master's data dir it
 * can read (on the master's host, `npm start`'s local node included). Kept out of Codex and git.
 */
export function nodeSecretValues(config: NodeConfig): string[] {
  return [...(config.token === undefined ? [] : [config.token]), ...storedSecretValues(config.dataDir)];
}

/** Codex by default; echo only when asked for; none (chat only) when Codex cannot start, saying why. */
export async function chooseExecutor(node: typeof NodeModule, config: NodeConfig, log: Logger): Promise<ChosenExecutor> {
  if (config.allowEchoExecutor) return { executor: new node.EchoExecutor() };
  const codex = await import('../codex/index.js');
  try {
    const launch: CodexLaunch = {
      ...(config.codex.command === undefined ? {} : { command: config.codex.command }),
      args: config.codex.args,
      overrides: config.codex.overrides,
      hiddenValues: nodeSecretValues(config),
      who: 'this node',
      fixHint: 'Drop mcp-server from NODE_CODEX_ARGS (--codex-arg), or pin @openai/codex@0.153.4 for the legacy transport.',
    };
    const { driver, transport, codexVersion } = await startDriver(codex, launch, log);
    log.info({ codexVersion, transport, codexPid: driver.status().pid }, `Codex ${codexVersion} ready (codex ${transport})`);
    return { executor: new node.CodexExecutor(driver), codexVersion, transport, close: () => driver.close() };
  } catch (error) {
    log.error({ err: (error as Error).message }, 'Codex could not start: this node takes no jobs. Install it (npm install -g @openai/codex) or set --codex-command');
    return { executor: undefined };
  }
}

export function createWorker(
  { createNodeWorker, Workspaces, loadNodeId }: typeof NodeModule,
  config: NodeConfig,
  log: Logger,
  { executor, codexVersion }: ChosenExecutor,
  onMessage: (message: AgentMessage) => void,
): NodeWorker {
  const tokenFile = join(config.dataDir, SECRET_FILES.nodeToken);
  return createNodeWorker(
    {
      url: config.masterUrl,
      trust: config.trust,
      name: config.name,
      nodeId: loadNodeId(config.dataDir),
      tags: config.tags,
      version: VERSION,
      slots: config.slots,
      executor,
      ...(codexVersion === undefined ? {} : { codexVersion }),
      journalDir: join(config.dataDir, 'node-jobs', config.name),
      workspaces: new Workspaces({
        dir: join(config.dataDir, 'workspaces', config.name),
        defaultWorkdir: config.workdir,
        allowLocalRepos: config.allowLocalRepos,
        env: childEnvironment({ values: nodeSecretValues(config) }),
      }),
      token: () => config.token ?? readSecretFile(tokenFile),
      tokenHint: `Pass --token or set MASTER_TOKEN (on the master's host the node reads ${tokenFile}).`,
      onMessage,
      onFatal: () => {
        log.flush();
        process.exitCode = EXIT.failure;
        setTimeout(() => process.exit(EXIT.failure), 100).unref();
      },
    },
    log,
  );
}
