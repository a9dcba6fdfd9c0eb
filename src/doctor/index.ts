export { fail, ok, report, skip, warn, type CheckExtras, type CheckResult, type CheckStatus, type DoctorReport } from './check.js';
export { renderReport } from './render.js';
export { runDoctor } from './run-doctor.js';
export type { StoreReading } from './store-checks.js';
