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
    .option('--allow-echo-executor', 'run jobs by answering with the prompt: demos and smoke tests only (env NODE_ALLOW_ECHO_EXECUTOR)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .option('--log-format <format>', 'json|pretty (env LOG_FORMAT, default pretty on a terminal, else json)')
    .addHelpText('after', '\nOn a terminal, typed lines go to the other nodes and received ones are printed.\nWithout one it runs as a quiet daemon and never reads stdin.')
    .action(async (flags: NodeFlags) => {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const config = resolveNodeConfig(flags, loadEnvironment(), process.stderr.isTTY === true);
      const [{ createLogger }, node] = await Promise.all([import('../log/index.js'), import('../node/index.js')]);
      const { formatMessage, runConsole } = node;
      const log = createLogger(config.log, 'node');
      const { agent } = createWorker(node, config, log, (message) => show(message));
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
        log.flush();
      });
    });
}

function createWorker(
  { createNodeWorker, EchoExecutor, Workspaces, loadNodeId }: typeof NodeModule,
  config: NodeConfig,
  log: Logger,
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
      executor: config.allowEchoExecutor ? new EchoExecutor() : undefined,
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
