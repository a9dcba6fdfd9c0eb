export { BridgeRequests, type BridgeJobs, type BridgeRequestsOptions, type BridgeSink } from './bridge-requests.js';
export { summarize } from './bridge-view.js';
