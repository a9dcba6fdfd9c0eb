export { SqliteStore, StoreOpenError } from './sqlite-store.js';
export type { KnownNode, NodeSighting, Store } from './store.js';
export type { JobChanges, JobFilter, JobOrigin, JobRecord, JobStore, JobTarget, NewJob } from './job-store.js';
