import { Command, CommanderError } from 'commander';
import { registerBackupCommands } from './cli/backup-command.js';
import { registerBridgeCommand } from './cli/bridge-command.js';
import { registerDoctorCommand } from './cli/doctor-command.js';
import { registerTelegramCommand } from './cli/telegram-command.js';
import { registerJobCommand } from './cli/job-command.js';
import { registerMasterCommand } from './cli/master-command.js';
import { registerMigrateCommand } from './cli/migrate-command.js';
import { registerNodeCommand } from './cli/node-command.js';
import { reportFatal } from './cli/run.js';
import { registerTokenCommand } from './cli/token-command.js';
import { VERSION } from './paths.js';

const program = new Command('csc')
  .description('Codex Super Client: drive Codex on your own machines from chat, a dashboard, a CLI and an API')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerMasterCommand(program);
registerNodeCommand(program);
registerJobCommand(program);
registerBridgeCommand(program);
registerTelegramCommand(program);
registerTokenCommand(program);
registerBackupCommands(program);
registerMigrateCommand(program);
registerDoctorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.exit(reportFatal(error));
}
