export { JobService } from './job-service.js';
export type { JobRequest, JobServiceOptions, JobUpdate } from './types.js';
export type { IdempotencyKey } from './idempotency.js';
export type { JobDiff } from './job-diff.js';
export { DEFAULT_PUBLISH_WAIT_MS, type Publisher } from './publisher.js';
export { parseUnifiedDiff, type DiffHunk, type DiffLine, type ParsedDiffFile } from './unified-diff.js';
export { JobIntake, type JobAsk } from './intake.js';
export { Pipeline, stepPrompt } from './pipeline.js';
export { UsageWatch } from './usage-watch.js';
