export type { Fleet } from './fleet.js';
export { CHECK_INTERVAL_MS, DEFAULT_ASK_TIMEOUT_MS, DEFAULT_LEASE_MS, type FleetHost, type FleetOptions, type SharedFleetOptions } from './fleet-options.js';
export { NODE_PUBLISH_INTERVAL_MS } from './node-publisher.js';
export { SharedFleet } from './shared-fleet.js';
export { SoloFleet } from './solo-fleet.js';
export { createFleet } from './create-fleet.js';
export { SOLO_CONFIG, type ConfigChanges, type ConfigTopic } from './config-changes.js';
