export { SqliteStore, StoreOpenError } from './sqlite-store.js';
export type { KnownNode, NodeSighting, Store } from './store.js';
