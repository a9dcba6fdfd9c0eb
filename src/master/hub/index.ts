export { CloseCodes, Hub, type HubOptions } from './hub.js';
export type { NodeEvent, NodeListener } from './events.js';
export type { JobChannel, ReadyNode } from './job-channel.js';
export type { BridgeChannel, BridgeRequestFrame } from './bridge-channel.js';
export type { Client } from './client.js';
export type { HubObserver } from './hub-observer.js';
export { NodePublishing, type PublishedHub, type PublishedJobs } from './node-publishing.js';
