import type { Command } from 'commander';
import { loadEnvironment, resolveDoctorConfig, type DoctorFlags } from '../config/index.js';
import { wantsColour } from './render-diff.js';

interface DoctorCommandFlags extends DoctorFlags {
  json?: boolean;
}

/** `csc doctor`: checks this machine and its master, explains each finding, exits 1 when one failed. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check this machine and the master, and say in plain words what is wrong and what to do')
    .option('--master <url>', "the master: its HTTP API (http(s)://host:8080) or its WebSocket port (ws(s)://host:8765); the other port is on the same host (env MASTER_URL, MASTER_HOST, MASTER_PORT, MASTER_HTTP_PORT)")
    .option('--token <token>', 'a credential to try: admin, node or bridge (default: MASTER_TOKEN, MASTER_BRIDGE_TOKEN, MASTER_ADMIN_TOKEN, or those stored in the data dir)')
    .option('--ca <file>', 'PEM CA bundle to verify an https:// / wss:// master with (env MASTER_CA_FILE)')
    .option('--data-dir <dir>', "the master's data dir: its stored tokens, and where free disk space is measured (env MASTER_DATA_DIR)")
    .option('--json', 'print { ok, checks: [{ id, status, summary, detail?, hint? }] } instead of text')
    .option('--offline', 'do not contact GitHub, Telegram or Slack (the master is still checked)')
    .addHelpText(
      'after',
      '\nEach check says ok, warn, fail or skip, with what to do for warn and fail:\n' +
        '  the Node.js version; the master (GET /api/health), its clock against this one, and each credential\n' +
        '  (node and bridge ones by a WebSocket upgrade, the admin one by GET /api/nodes); the ports of a master\n' +
        '  set up on this host, and its store (SQLite in the data dir, or PostgreSQL at MASTER_DATABASE_URL: reached\n' +
        '  within 3 s, its schema current, behind or newer); the Codex a node would run (NODE_CODEX_COMMAND,\n' +
        '  NODE_CODEX_ARGS), its version and protocol, and its login or model provider (CODEX_HOME); git and GITHUB_TOKEN (GET /user); bubblewrap\n' +
        "  for Codex's sandbox on Linux; free space in the data dir; TELEGRAM_BOT_TOKEN (getMe) and the Slack tokens\n" +
        '  (auth.test, apps.connections.open). No secret is ever printed.\n' +
        'Exit status: 0 when nothing failed, 1 otherwise.\n' +
        'Examples:\n' +
        '  csc doctor\n' +
        '  csc doctor --master https://master.example:8080 --ca master-ca.pem --token "$MASTER_TOKEN"\n' +
        '  csc doctor --offline --json',
    )
    .action(async (flags: DoctorCommandFlags) => {
      const env = loadEnvironment();
      const config = resolveDoctorConfig(flags, env);
      const [{ renderReport, runDoctor }, { probeStore }] = await Promise.all([import('../doctor/index.js'), import('./store-probe.js')]);
      const doctor = await runDoctor(config, { store: probeStore });
      process.stdout.write(flags.json === true ? `${JSON.stringify(doctor, null, 2)}\n` : renderReport(doctor, wantsColour(process.stdout, env)));
      process.exitCode = doctor.ok ? 0 : 1;
    });
}
