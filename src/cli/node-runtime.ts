import { join } from 'node:path';
import { SECRET_FILES, childEnvironment, readSecretFile, type NodeConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type * as NodeModule from '../node/index.js';
import type { AgentMessage, NodeWorker } from '../node/index.js';
import { VERSION } from '../paths.js';
import { EXIT } from './run.js';

export interface ChosenExecutor {
  executor: NodeModule.Executor | undefined;
  codexVersion?: string;
  close?: () => Promise<void>;
}

/** The seeds' `codex mcp-server` is gone from current Codex; say so instead of failing obscurely. */
function appServerArgs(args: string[], log: Logger): string[] {
  if (args[0] !== 'mcp-server') return args;
  log.warn(
    '`codex mcp-server` was removed in Codex 0.154 and is not supported by this node; it drives `codex app-server` instead. ' +
      'Drop --codex-arg mcp-server (or NODE_CODEX_ARGS) to silence this.',
  );
  return ['app-server', ...args.slice(1)];
}

/** Codex by default; echo only when asked for; none (chat only) when Codex cannot start, saying why. */
export async function chooseExecutor(node: typeof NodeModule, config: NodeConfig, log: Logger): Promise<ChosenExecutor> {
  if (config.allowEchoExecutor) return { executor: new node.EchoExecutor() };
  const { CodexDriver } = await import('../codex/index.js');
  const driver = new CodexDriver({
    baseEnv: childEnvironment(),
    ...(config.codex.command === undefined ? {} : { command: config.codex.command }),
    args: appServerArgs(config.codex.args, log),
    configOverrides: config.codex.overrides,
    log,
  });
  try {
    await driver.start();
    const codexVersion = await driver.version();
    log.info({ codexVersion, pid: driver.status().pid }, 'Codex app-server ready');
    return { executor: new node.CodexExecutor(driver), codexVersion, close: () => driver.close() };
  } catch (error) {
    log.error({ err: (error as Error).message }, 'Codex could not start: this node takes no jobs. Install it (npm install -g @openai/codex) or set --codex-command');
    await driver.close();
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
      url: `ws://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
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
        env: childEnvironment(),
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
