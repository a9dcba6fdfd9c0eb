import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { environmentFrom } from './environment.js';
import { resolveMasterConfig } from './master-config.js';

const resolve = (env: Record<string, string>) => resolveMasterConfig({}, environmentFrom(env), false);

describe('master configuration of issue 16', () => {
  it('has no profiles file and no budgets by default', () => {
    expect(resolve({})).toMatchObject({ profilesFile: undefined, budgets: { userDaily: null, chatDaily: null, masterDaily: null } });
  });

  it('reads MASTER_PROFILES_FILE and the three daily budgets (off, 0 or empty: no cap)', () => {
    const config = resolve({ MASTER_PROFILES_FILE: '/etc/csc/profiles.toml', MASTER_BUDGET_USER_DAILY: '100000', MASTER_BUDGET_CHAT_DAILY: 'off', MASTER_BUDGET_DAILY: '0' });
    expect(config.profilesFile).toBe('/etc/csc/profiles.toml');
    expect(config.budgets).toEqual({ userDaily: 100_000, chatDaily: null, masterDaily: null });
  });

  it('names the budget key at fault', () => {
    expect(() => resolve({ MASTER_BUDGET_DAILY: 'lots' })).toThrow(ConfigError);
    expect(() => resolve({ MASTER_BUDGET_DAILY: 'lots' })).toThrow(/MASTER_BUDGET_DAILY/);
    expect(() => resolve({ MASTER_BUDGET_USER_DAILY: '1.5' })).toThrow(/whole number/);
  });
});
