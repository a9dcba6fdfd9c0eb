export { JobService, type JobRequest, type JobServiceOptions, type JobUpdate } from './job-service.js';
