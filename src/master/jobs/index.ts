export { JobService } from './job-service.js';
export type { JobRequest, JobServiceOptions, JobUpdate } from './types.js';
export type { IdempotencyKey } from './idempotency.js';
