import type { Command } from 'commander';
import { loadEnvironment, resolveStoreTarget } from '../config/index.js';
import type { BackupReport, RestoreReport, TableCount } from '../master/backup/index.js';

interface BackupFlags {
  dataDir?: string;
  force?: boolean;
}

/** `csc backup FILE` and `csc restore FILE`: the master's database, copied live and put back. */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description("copy the master's database to FILE, consistently, even while the master runs")
    .argument('<file>', 'where the copy goes (a single SQLite file, readable by you only: it holds bridge tokens)')
    .option('--data-dir <dir>', "the master's data dir (env MASTER_DATA_DIR, default ~/.codex-super-client)")
    .option('--force', 'replace FILE if it exists')
    .addHelpText(
      'after',
      '\nThe copy is the database only: the token files and attachments/ in the data dir are not in it.\n' +
        'SQLite only: with MASTER_DATABASE_URL (PostgreSQL) use pg_dump.\n' +
        'Example:\n  csc backup /var/backups/csc-$(date +%F).db',
    )
    .action(async (file: string, flags: BackupFlags) => {
      const dataDir = sqliteDataDir(flags, 'backup');
      const { backupDatabase } = await import('../master/backup/index.js');
      printBackup(await backupDatabase({ dataDir, file, force: flags.force === true }));
    });

  program
    .command('restore')
    .description("put a backup in place as the master's database (the master must be stopped)")
    .argument('<file>', 'a file made by csc backup')
    .option('--data-dir <dir>', "the master's data dir (env MASTER_DATA_DIR, default ~/.codex-super-client)")
    .option('--force', 'replace the database the data dir already has (it is kept as master.db.before-restore-<time>)')
    .addHelpText(
      'after',
      '\nThe backup is checked first: a SQLite database of csc, a schema this csc knows, PRAGMA integrity_check.\n' +
        'SQLite only: with MASTER_DATABASE_URL (PostgreSQL) use pg_restore.\n' +
        'Restoring into a fresh data dir needs no --force; the master there generates new token files\n' +
        'unless you copy them (or set MASTER_TOKEN, MASTER_BRIDGE_TOKEN, MASTER_ADMIN_TOKEN).',
    )
    .action(async (file: string, flags: BackupFlags) => {
      const dataDir = sqliteDataDir(flags, 'restore');
      const { restoreDatabase } = await import('../master/backup/index.js');
      printRestore(restoreDatabase({ dataDir, file, force: flags.force === true }));
    });
}

/** Thrown by `csc backup` and `csc restore` for a PostgreSQL store, which PostgreSQL's own tools copy. */
class NotSqliteStoreError extends Error {
  override readonly name = 'NotSqliteStoreError';
}

/**
 * The data dir whose SQLite store to copy. With MASTER_DATABASE_URL the store is PostgreSQL and the
 * file in the data dir, if any, is not the master's: copying or replacing it would mislead.
 */
function sqliteDataDir(flags: BackupFlags, command: 'backup' | 'restore'): string {
  const { dataDir, databaseUrl } = resolveStoreTarget(flags, loadEnvironment());
  if (databaseUrl === undefined) return dataDir;
  const tool = command === 'backup' ? 'pg_dump -Fc -f FILE.dump DATABASE' : 'pg_restore --clean -d DATABASE FILE.dump (with the master stopped)';
  throw new NotSqliteStoreError(`csc ${command} copies a SQLite store, and MASTER_DATABASE_URL makes the store PostgreSQL: use ${tool} instead (README, PostgreSQL)`);
}

function printBackup(report: BackupReport): void {
  process.stdout.write(
    `backed up to ${report.file}\n` +
      `size ${formatBytes(report.bytes)}, schema version ${report.schemaVersion}, ${Math.round(report.ms)} ms\n` +
      formatTables(report.tables),
  );
}

function printRestore(report: RestoreReport): void {
  process.stdout.write(
    `restored ${report.restoredFrom}\n` +
      `into ${report.database} (schema version ${report.schemaVersion}; this csc's is ${report.knownVersion}` +
      `${report.schemaVersion < report.knownVersion ? ': the master migrates it when it starts' : ''})\n` +
      (report.keptAs === undefined ? '' : `the database it replaced is kept as ${report.keptAs}\n`) +
      formatTables(report.tables),
  );
}

function formatTables(tables: TableCount[]): string {
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  const lines = tables.map((t) => `  ${t.table.padEnd(width)}  ${t.rows}`);
  return `${['  TABLE'.padEnd(width + 2) + '  ROWS', ...lines].join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
