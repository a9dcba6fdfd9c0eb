export { backupDatabase, type BackupOptions, type BackupReport } from './backup.js';
export { BackupError, type TableCount } from './database-file.js';
export { restoreDatabase, type RestoreOptions, type RestoreReport } from './restore.js';
