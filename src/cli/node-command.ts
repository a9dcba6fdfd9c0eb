import type { Command } from 'commander';
import { loadEnvironment, resolveNodeConfig, type NodeFlags } from '../config/index.js';
import type { AgentMessage } from '../node/index.js';
import { chooseExecutor, createWorker } from './node-runtime.js';
import { onShutdownSignal } from './run.js';

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run a worker node that connects to the master (on a terminal: the chat console)')
    .option('--master <url>', 'the master as ws://host:port or wss://host:port; several, comma-separated, are tried in turn (ws://a:8765,ws://b:8765) (env MASTER_URL); wins over --host/--port')
    .option('--ca <file>', 'PEM CA bundle to verify a wss:// master with instead of the public CAs (env MASTER_CA_FILE)')
    .option('--host <host>', 'master host (env MASTER_HOST, default 127.0.0.1)')
    .option('--port <port>', 'master WebSocket port (env MASTER_PORT, default 8765)')
    .option('--name <name>', 'node name shown on the master: 1-64 of A-Z a-z 0-9 . _ - (env NODE_NAME, default: host name)')
    .option('--tags <a,b>', 'comma-separated tags used to target jobs (env NODE_TAGS)')
    .option('--token <token>', 'node credential: the master token or one from csc token create --role node (env MASTER_TOKEN; default: read from the master data dir on this host)')
    .option('--data-dir <dir>', "the master's data dir to read its token from (env MASTER_DATA_DIR)")
    .option('--slots <n>', 'jobs this node runs at once (env NODE_SLOTS, default 1)')
    .option('--workdir <dir>', 'where jobs without a repository run (env NODE_WORKDIR, default: the current directory)')
    .option('--codex-command <path>', 'the Codex program (env NODE_CODEX_COMMAND; default: the installed @openai/codex, else codex on PATH)')
    .option('--codex-arg <arg>', 'an argument for it, repeatable (env NODE_CODEX_ARGS; default: app-server; mcp-server: the legacy transport of Codex ≤ 0.153)', collect)
    .option('-c, --codex-config <key=value>', 'a Codex config override (-c key=value), repeatable', collect)
    .option('--allow-echo-executor', 'run jobs by answering with the prompt instead of Codex: demos and smoke tests only (env NODE_ALLOW_ECHO_EXECUTOR)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .option('--log-format <format>', 'json|pretty (env LOG_FORMAT, default pretty on a terminal, else json)')
    .addHelpText(
      'after',
      '\nOn a terminal, typed lines go to the other nodes and received ones are printed.\nWithout one it runs as a quiet daemon and never reads stdin.\n' +
        '\nA job with a repository ends as a commit on csc/job-<id>, its diff sent with its log. Publishing (a job\'s\n' +
        'publish: branch | pr, or csc job publish) pushes it and opens the pull request with GITHUB_TOKEN from the\n' +
        "environment (GITHUB_API_URL for GitHub Enterprise); there is no flag for it, since every user sees a process's\n" +
        'arguments. NODE_GIT_AUTHOR_NAME/EMAIL, NODE_DIFF_MAX_BYTES and NODE_BRANCH_RETENTION_DAYS tune the rest.',
    )
    .action(async (flags: NodeFlags) => {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const config = resolveNodeConfig(flags, loadEnvironment(), process.stderr.isTTY === true);
      const [{ createLogger }, node] = await Promise.all([import('../log/index.js'), import('../node/index.js')]);
      const { formatMessage, runConsole } = node;
      const log = createLogger(config.log, 'node');
      node.installProcessGuards(log);
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
