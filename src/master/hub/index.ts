export { CloseCodes, Hub, type HubOptions } from './hub.js';
export type { NodeEvent, NodeListener } from './events.js';
