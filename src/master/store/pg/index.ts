export { PgStore } from './pg-store.js';
export { PgUnitOfWork, type PgStatement } from './pg-unit-of-work.js';
export { migrateDatabase, PG_MIGRATIONS_DIR, pgMigrate, pgSchemaStatus, readPgMigrations, type PgMigration, type PgSchemaStatus, type PgStatusOptions } from './pg-migrate.js';
