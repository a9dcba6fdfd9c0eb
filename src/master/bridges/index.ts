export { BridgeRequests, summarize, type BridgeRequestsOptions, type BridgeSink } from './bridge-requests.js';
