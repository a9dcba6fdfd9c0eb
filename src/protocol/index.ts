export * from './frames.js';
export { encodeFrame, isJsonFrame, parseFrame, type ParseResult } from './parse.js';
export { isoNow } from './iso-time.js';
export * from './jobs.js';
export * from './change.js';
export { isSafeRef, parseRepoSpec, repoKey, type RepoSpec } from './repo-spec.js';
export * from './bridge.js';
export { closeMasterSocket, openMasterSocket, type MasterSocket } from './master-socket.js';
export * from './questions.js';
