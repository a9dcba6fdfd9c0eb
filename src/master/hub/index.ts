export { CloseCodes, Hub, type HubOptions } from './hub.js';
export type { NodeEvent, NodeListener } from './events.js';
export type { JobChannel, ReadyNode } from './job-channel.js';
export { BridgeRequests, summarize, type BridgeChannel, type BridgeRequestsOptions } from './bridge-requests.js';
