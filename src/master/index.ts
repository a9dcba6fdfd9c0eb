export { formatBanner } from './banner.js';
export { startMaster, type Master, type StartMasterOptions } from './master.js';
export { CloseCodes, type NodeEvent } from './hub/index.js';
