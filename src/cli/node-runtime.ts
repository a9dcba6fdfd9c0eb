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
  /** Why there is no executor: Codex would not start. */
  startFailure?: CodexModule.StartFailure;
  close?: () => Promise<void>;
}

/**
 * The tokens a node holds: its `--token` (or MASTER_TOKEN), its GITHUB_TOKEN, and those of the
 * master's data dir it can read (on the master's host, `npm start`'s local node included). Kept out
 * of Codex and git (which gets GITHUB_TOKEN for a push only, as config in that command's environment).
 */
export function nodeSecretValues(config: NodeConfig): string[] {
  const held = [config.token, config.delivery.github.token].filter((value): value is string => value !== undefined);
  return [...held, ...storedSecretValues(config.dataDir)];
}

/** Codex by default; echo only when asked for; none (chat only) when Codex cannot start, saying why. */
export async function chooseExecutor(node: typeof NodeModule, config: NodeConfig, log: Logger): Promise<ChosenExecutor> {
  if (config.allowEchoExecutor) return { executor: new node.EchoExecutor() };
  const codex = await import('../codex/index.js');
  try {
    const launch: CodexModule.CodexLaunch = {
      ...(config.codex.command === undefined ? {} : { command: config.codex.command }),
      args: config.codex.args,
      overrides: config.codex.overrides,
      hiddenValues: nodeSecretValues(config),
      who: 'this node',
      fixHint: 'Drop mcp-server from NODE_CODEX_ARGS (--codex-arg), or pin @openai/codex@0.153.4 for the legacy transport.',
      overridesFrom: '--codex-config',
      commandSetting: '--codex-command (NODE_CODEX_COMMAND)',
    };
    const { driver, transport, codexVersion } = await codex.startDriver(launch, log);
    log.info({ codexVersion, transport, codexPid: driver.status().pid }, `Codex ${codexVersion} ready (codex ${transport})`);
    return { executor: new node.CodexExecutor(driver), codexVersion, transport, close: () => driver.close() };
  } catch (error) {
    const reason = error instanceof codex.CodexStartFailure ? error.message : `Codex could not start: ${(error as Error).message}`;
    log.error({ err: (error as Error).message, ...(error instanceof codex.CodexStartFailure && { problem: error.failure.kind }) }, `${reason} This node takes no jobs until it can start Codex.`);
    return { executor: undefined, ...(error instanceof codex.CodexStartFailure && { startFailure: error.failure }) };
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
  const { delivery } = config;
  return createNodeWorker(
    {
      urls: config.masterUrls,
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
        identity: { name: delivery.authorName, email: delivery.authorEmail },
        diffMaxBytes: delivery.diffMaxBytes,
      }),
      github: delivery.github,
      branchRetentionDays: delivery.branchRetentionDays,
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
