import type { Command } from 'commander';
import { loadEnvironment, resolveStoreTarget, type StoreFlags } from '../config/index.js';
import type { StoreSchema } from '../master/schema/index.js';

interface MigrateFlags extends StoreFlags {
  status?: boolean;
}

/** `csc migrate`: the store's pending schema migrations, applied now or only listed, on SQLite or PostgreSQL. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("apply the store's pending schema migrations now, instead of at the master's next start")
    .option('--data-dir <dir>', "the master's data dir (env MASTER_DATA_DIR, default ~/.codex-super-client)")
    .option('--database-url <url>', 'the PostgreSQL database instead of SQLite in the data dir (env MASTER_DATABASE_URL)')
    .option('--status', 'list the applied and pending migrations, changing nothing')
    .addHelpText(
      'after',
      '\nSQLite: the master must be stopped: csc migrate holds the data dir\'s lock (master.lock) while it runs.\n' +
        'PostgreSQL (MASTER_DATABASE_URL): stop the master first; the migrations run in one transaction under an\n' +
        'advisory lock, so a master starting meanwhile waits for them.\n' +
        '--status only reads, and works beside a running master. A store written by a newer csc is refused.\n' +
        'Examples:\n  csc backup /var/backups/csc-before-upgrade.db && csc migrate\n' +
        '  pg_dump -Fc -f /var/backups/csc-before-upgrade.dump "$MASTER_DATABASE_URL" && csc migrate',
    )
    .action(async (flags: MigrateFlags) => {
      const target = resolveStoreTarget(flags, loadEnvironment());
      const { migrateStore, readStoreSchema } = await import('../master/schema/index.js');
      if (flags.status === true) {
        printStatus(await readStoreSchema(target));
        return;
      }
      const report = await migrateStore({
        ...target,
        onStart: (schema) => process.stdout.write(`${describe(schema)}\n`),
        onApplied: (file, ms) => process.stdout.write(`applied ${file} (${Math.round(ms)} ms)\n`),
      });
      const applied = report.version - report.before.version;
      process.stdout.write(applied === 0 ? 'nothing to apply: it is up to date\n' : `done: schema ${report.version}, ${applied} applied\n`);
    });
}

/** `store: SQLite /data/master.db (schema 9; this csc knows 10)`; a PostgreSQL URL is shown without its password. */
function describe(schema: StoreSchema): string {
  const version = !schema.exists ? 'no database yet' : schema.version === 0 ? 'no schema yet' : `schema ${schema.version}`;
  return `store: ${schema.engine} ${schema.database} (${version}; this csc knows ${schema.known})`;
}

function printStatus(schema: StoreSchema): void {
  const lines = [...schema.applied.map((file) => `  applied  ${file}`), ...schema.pending.map((file) => `  pending  ${file}`)];
  const pending = schema.pending.length;
  const summary = pending === 0 ? 'none pending' : `${pending} pending: csc migrate applies ${pending === 1 ? 'it' : 'them'} (so does the master when it starts)`;
  process.stdout.write(`${[describe(schema), ...lines, summary].join('\n')}\n`);
}
