export { SqliteStore, StoreOpenError, type SqliteStoreOptions, type SqliteSync } from './sqlite-store.js';
export type { KnownNode, NodeSighting, Store } from './store.js';
export { withChanges, type DiffPart, type EncodedJobEvent, type IdempotencyRecord, type JobChanges, type JobFilter, type JobOrigin, type JobPipeline, type JobRecord, type JobStore, type JobTarget, type NewJob } from './job-store.js';
export { StoreCommitError } from './tick-transaction.js';
export type { NewRemoteNode, RemoteNode, RemoteNodeChanges, RemoteNodeStatus, RemoteNodeStore } from './remote-node-store.js';
export type { BridgeSettings, SavedBridgeSettings, SettingsStore } from './settings-store.js';
export type { CredentialStore, MachineRole, StoredCredential } from './credential-store.js';
export type { ProfileStore } from './profile-store.js';
export type { UsageRecord, UsageScope, UsageStore, UsageSum } from './usage-store.js';
