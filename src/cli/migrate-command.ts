import type { Command } from 'commander';
import { loadEnvironment, resolveDataDir } from '../config/index.js';
import type { DataDirSchema } from '../master/schema/index.js';

interface MigrateFlags {
  dataDir?: string;
  status?: boolean;
}

/** `csc migrate`: the store's pending schema migrations, applied now or only listed. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("apply the store's pending schema migrations now, instead of at the master's next start")
    .option('--data-dir <dir>', "the master's data dir (env MASTER_DATA_DIR, default ~/.codex-super-client)")
    .option('--status', 'list the applied and pending migrations, changing nothing')
    .addHelpText(
      'after',
      '\nThe master must be stopped: csc migrate holds the data dir\'s lock (master.lock) while it runs.\n' +
        '--status only reads, and works beside a running master. A store written by a newer csc is refused.\n' +
        'Example:\n  csc backup /var/backups/csc-before-upgrade.db && csc migrate',
    )
    .action(async (flags: MigrateFlags) => {
      const dataDir = resolveDataDir(flags.dataDir, loadEnvironment());
      const { migrateDataDir, readDataDirSchema } = await import('../master/schema/index.js');
      if (flags.status === true) {
        printStatus(readDataDirSchema(dataDir));
        return;
      }
      const report = migrateDataDir({
        dataDir,
        onStart: (schema) => process.stdout.write(`${describe(schema)}\n`),
        onApplied: (file, ms) => process.stdout.write(`applied ${file} (${Math.round(ms)} ms)\n`),
      });
      const applied = report.version - report.before.version;
      process.stdout.write(applied === 0 ? 'nothing to apply: it is up to date\n' : `done: schema ${report.version}, ${applied} applied\n`);
    });
}

/** `store: SQLite /data/master.db (schema 9; this csc knows 10)`. */
function describe(schema: DataDirSchema): string {
  const version = schema.exists ? `schema ${schema.version}` : 'no database yet';
  return `store: ${schema.engine} ${schema.database} (${version}; this csc knows ${schema.known})`;
}

function printStatus(schema: DataDirSchema): void {
  const lines = [...schema.applied.map((file) => `  applied  ${file}`), ...schema.pending.map((file) => `  pending  ${file}`)];
  const pending = schema.pending.length;
  const summary = pending === 0 ? 'none pending' : `${pending} pending: csc migrate applies ${pending === 1 ? 'it' : 'them'} (so does the master when it starts)`;
  process.stdout.write(`${[describe(schema), ...lines, summary].join('\n')}\n`);
}
