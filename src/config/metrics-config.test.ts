import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { environmentFrom } from './environment.js';
import { resolveMasterConfig } from './master-config.js';

const resolve = (env: Record<string, string>) => resolveMasterConfig({}, environmentFrom(env), false);

describe('MASTER_METRICS_PUBLIC', () => {
  it('keeps /metrics behind the admin token unless set to true', () => {
    expect(resolve({}).metricsPublic).toBe(false);
    expect(resolve({ MASTER_METRICS_PUBLIC: 'false' }).metricsPublic).toBe(false);
    expect(resolve({ MASTER_METRICS_PUBLIC: 'true' }).metricsPublic).toBe(true);
    expect(resolve({ MASTER_METRICS_PUBLIC: '1' }).metricsPublic).toBe(true);
  });

  it('names the key when the value is not a boolean', () => {
    expect(() => resolve({ MASTER_METRICS_PUBLIC: 'yes please' })).toThrow(ConfigError);
    expect(() => resolve({ MASTER_METRICS_PUBLIC: 'yes please' })).toThrow(/MASTER_METRICS_PUBLIC/);
  });
});
