import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { environmentFrom } from './environment.js';
import { defaultMasterName, resolveMasterConfig } from './master-config.js';

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

describe('master configuration of issue 19: several masters', () => {
  it('names the master by the host and port of its WebSocket, and leases for 10 s, by default', () => {
    expect(resolve({ MASTER_HOST: '10.0.0.5', MASTER_PORT: '9000' })).toMatchObject({ name: '10.0.0.5:9000', leaseSec: 10 });
    expect(resolve({}).name).toBe('127.0.0.1:8765');
    expect(resolve({ MASTER_HOST: '::1' }).name).toBe('[::1]:8765');
  });

  it('names a wildcard bind by the host name, and a port picked at start by the pid', () => {
    expect(resolve({ MASTER_HOST: '0.0.0.0' }).name).toBe(`${hostname()}:8765`);
    expect(defaultMasterName('127.0.0.1', 0)).toBe(`127.0.0.1 (pid ${process.pid})`);
  });

  it('reads MASTER_NAME (trimmed) and MASTER_LEASE_SEC', () => {
    expect(resolve({ MASTER_NAME: '  master-a ', MASTER_LEASE_SEC: '2.5' })).toMatchObject({ name: 'master-a', leaseSec: 2.5 });
  });

  it('refuses a name that is empty, too long or not one printable line, and a lease under 2 s or in milliseconds', () => {
    for (const [key, value, reason] of [
      ['MASTER_NAME', ' ', /MASTER_NAME.*must not be empty/],
      ['MASTER_NAME', 'x'.repeat(101), /at most 100 characters/],
      ['MASTER_NAME', 'a\nb', /printable text on one line/],
      ['MASTER_LEASE_SEC', 'soon', /MASTER_LEASE_SEC.*number of seconds/],
      ['MASTER_LEASE_SEC', '1', /at least 2 seconds/],
      ['MASTER_LEASE_SEC', '10000', /seconds, not milliseconds/],
    ] as const) {
      expect(() => resolve({ [key]: value })).toThrow(ConfigError);
      expect(() => resolve({ [key]: value })).toThrow(reason);
    }
  });
});
