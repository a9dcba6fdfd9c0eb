export { migrateDataDir, MigrateError, readDataDirSchema, type DataDirSchema, type MigrateOptions, type MigrateReport } from './data-dir-schema.js';
