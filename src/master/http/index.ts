export { ApiError, HTTP_STATUS } from './api-error.js';
export { createHttpApp, type HttpAppOptions } from './app.js';
export type { Access, RouteEntry } from './access.js';
export { MasterNames } from './master-names.js';
export { NodeDirectory, type FleetNodeSources, type ListedNodeInfo, type NodeView } from './node-view.js';
