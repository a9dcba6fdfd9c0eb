import type { Command } from 'commander';
import { loadEnvironment, resolveMasterConfig, type MasterFlags } from '../config/index.js';
import { startLocalNode } from './local-node.js';
import { onShutdownSignal } from './run.js';

export function registerMasterCommand(program: Command): void {
  program
    .command('master')
    .description('run the master hub: WebSocket for nodes and bridges, HTTP API and dashboard')
    .option('--host <host>', 'address to bind the WebSocket port (env MASTER_HOST, default 127.0.0.1)')
    .option('--port <port>', 'WebSocket port for nodes and bridges; 0 picks a free one (env MASTER_PORT, default 8765)')
    .option('--http-host <host>', 'address to bind the HTTP port (env MASTER_HTTP_HOST, default: --host)')
    .option('--http-port <port>', 'HTTP port for the API and dashboard (env MASTER_HTTP_PORT, default 8080)')
    .option('--data-dir <dir>', 'store and generated tokens (env MASTER_DATA_DIR, default ~/.codex-super-client)')
    .option('--database-url <url>', 'store in this PostgreSQL database instead of SQLite in the data dir: postgres://USER:PASSWORD@HOST:5432/DB (env MASTER_DATABASE_URL: better, as ps shows every flag)')
    .option('--tls-cert <file>', 'PEM certificate (chain): serve wss:// and https:// (env MASTER_TLS_CERT; needs --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert (env MASTER_TLS_KEY)')
    .option('--local-node', 'also run a node in this process that runs jobs with Codex on this machine (npm start does)')
    .option('--no-local-node', 'do not run the local node')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .option('--log-format <format>', 'json|pretty (env LOG_FORMAT, default pretty on a terminal, else json)')
    .addHelpText(
      'after',
      '\nDefault host is 127.0.0.1 (this machine only); use --host 0.0.0.0 to accept remote nodes.\n' +
        'Tokens come from MASTER_TOKEN / MASTER_ADMIN_TOKEN, or are generated once and stored (mode 0600)\n' +
        'in the data dir. Settings may also come from a .env file in the working directory.\n' +
        'The store is SQLite in the data dir unless MASTER_DATABASE_URL names a PostgreSQL database; the\n' +
        'start line says which (Store: ...). A store written by a newer csc is refused.',
    )
    .action(async (flags: MasterFlags & { localNode?: boolean }) => {
      const isTty = process.stdout.isTTY === true;
      const env = loadEnvironment();
      const config = resolveMasterConfig(flags, env, isTty);
      // Loaded here, not at the top, so `csc --help` does not pay for the server stack.
      const [{ createLogger }, { formatBanner, startMaster }] = await Promise.all([import('../log/index.js'), import('../master/index.js')]);
      const log = createLogger(config.log, 'master');
      const master = await startMaster(config, log);
      const localNode = flags.localNode === true ? await startLocalNode(master, config.dataDir, env, log, config.tls?.cert) : undefined;
      process.stdout.write(`${formatBanner(master, config.dataDir, isTty)}${localNode ? `\n${localNode.summary}\n` : ''}\n`);
      onShutdownSignal(async (signal) => {
        log.info({ signal }, 'shutting down');
        await localNode?.stop();
        await master.close();
        log.info('stopped');
        log.flush();
      });
    });
}
