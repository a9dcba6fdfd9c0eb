export { Health, STORE_ERROR_WINDOW_MS, type HealthReport } from './health.js';
export { MasterMetrics, type MetricSources } from './master-metrics.js';
