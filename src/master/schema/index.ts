export { migrateStore, readStoreSchema } from './migrate-store.js';
export { MigrateError, type MigrateOptions, type MigrateReport, type StoreSchema } from './store-schema.js';
