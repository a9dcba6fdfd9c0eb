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

describe('master configuration of issue 17: retention', () => {
  it('keeps everything by default', () => {
    expect(resolve({}).retention).toEqual({ jobDays: undefined, eventDays: undefined });
  });

  it('reads MASTER_RETENTION_DAYS and MASTER_EVENT_RETENTION_DAYS (off, 0 or empty: keep forever)', () => {
    expect(resolve({ MASTER_RETENTION_DAYS: '90', MASTER_EVENT_RETENTION_DAYS: '7' }).retention).toEqual({ jobDays: 90, eventDays: 7 });
    expect(resolve({ MASTER_RETENTION_DAYS: 'off', MASTER_EVENT_RETENTION_DAYS: '0' }).retention).toEqual({ jobDays: undefined, eventDays: undefined });
    expect(resolve({ MASTER_RETENTION_DAYS: '' }).retention?.jobDays).toBeUndefined();
  });

  it('refuses what is not whole days, naming the key', () => {
    for (const [key, value, reason] of [
      ['MASTER_RETENTION_DAYS', 'soon', /MASTER_RETENTION_DAYS.*number of days/],
      ['MASTER_RETENTION_DAYS', '1.5', /whole days/],
      ['MASTER_EVENT_RETENTION_DAYS', '-3', /MASTER_EVENT_RETENTION_DAYS.*at least 1 day/],
      ['MASTER_EVENT_RETENTION_DAYS', '100000', /at most 36500/],
    ] as const) {
      expect(() => resolve({ [key]: value })).toThrow(ConfigError);
      expect(() => resolve({ [key]: value })).toThrow(reason);
    }
  });
});
