import { join } from 'node:path';
import type { Command } from 'commander';
import { SECRET_FILES, childEnvironment, loadEnvironment, readSecretFile, resolveNodeConfig, type NodeConfig, type NodeFlags } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type * as NodeModule from '../node/index.js';
import type { AgentMessage, NodeWorker } from '../node/index.js';
import { VERSION } from '../paths.js';
import { EXIT, onShutdownSignal } from './run.js';

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run a worker node that connects to the master (on a terminal: the chat console)')
    .option('--host <host>', 'master host (env MASTER_HOST, default 127.0.0.1)')
    .option('--port <port>', 'master WebSocket port (env MASTER_PORT, default 8765)')
    .option('--name <name>', 'node name shown on the master (env NODE_NAME, default: host name)')
    .option('--tags <a,b>', 'comma-separated tags used to target jobs (env NODE_TAGS)')
    .option('--token <token>', 'master token (env MASTER_TOKEN; default: read from the master data dir on this host)')
    .option('--data-dir <dir>', "the master's data dir to read its token from (env MASTER_DATA_DIR)")
    .option('--slots <n>', 'jobs this node runs at once (env NODE_SLOTS, default 1)')
    .option('--workdir <dir>', 'where jobs without a repository run (env NODE_WORKDIR, default: the current directory)')
    .option('--codex-command <path>', 'the Codex program (env NODE_CODEX_COMMAND; default: the installed @openai/codex, else codex on PATH)')
    .option('--codex-arg <arg>', 'an argument for it, repeatable (env NODE_CODEX_ARGS; default: app-server)', collect)
    .option('-c, --codex-config <key=value>', 'a Codex config override (-c key=value), repeatable', collect)
    .option('--allow-echo-executor', 'run jobs by answering with the prompt instead of Codex: demos and smoke tests only (env NODE_ALLOW_ECHO_EXECUTOR)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .option('--log-format <format>', 'json|pretty (env LOG_FORMAT, default pretty on a terminal, else json)')
    .addHelpText('after', '\nOn a terminal, typed lines go to the other nodes and received ones are printed.\nWithout one it runs as a quiet daemon and never reads stdin.')
    .action(async (flags: NodeFlags) => {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const config = resolveNodeConfig(flags, loadEnvironment(), process.stderr.isTTY === true);
      const [{ createLogger }, node] = await Promise.all([import('../log/index.js'), import('../node/index.js')]);
      const { formatMessage, runConsole } = node;
      const log = createLogger(config.log, 'node');
      const chosen = await chooseExecutor(node, config, log);
      const { agent } = createWorker(node, config, log, chosen, (message) => show(message));
      const quit = () => process.kill(process.pid, 'SIGINT');
      const chat = interactive ? runConsole(agent, process.stdin, process.stdout, quit) : undefined;
      const show = (message: AgentMessage) => {
        const line = formatMessage(message);
        if (line === undefined) return;
        if (chat) chat.print(line);
        else log.info({ kind: message.kind }, line);
      };
      agent.start();
      onShutdownSignal(async () => {
        chat?.close();
        await agent.stop();
        await chosen.close?.();
        log.flush();
      });
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface ChosenExecutor {
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
async function chooseExecutor(node: typeof NodeModule, config: NodeConfig, log: Logger): Promise<ChosenExecutor> {
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

function createWorker(
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
