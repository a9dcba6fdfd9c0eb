import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { environmentFrom } from './environment.js';
import { resolveMasterConfig } from './master-config.js';
import { redactDatabaseUrl, resolveStoreTarget } from './store-config.js';

const master = (env: Record<string, string>, flags: { databaseUrl?: string } = {}) => resolveMasterConfig(flags, environmentFrom(env), false);
const PASSWORD = 's3cret-Pa55word';

describe('the store setting: MASTER_DATABASE_URL', () => {
  it('is SQLite in the data dir by default, synced in full', () => {
    expect(master({})).toMatchObject({ databaseUrl: undefined, sqliteSync: 'full' });
  });

  it.each([
    `postgres://csc:${PASSWORD}@db.example:5432/csc`,
    'postgresql://csc@127.0.0.1/csc_prod?sslmode=require',
    'postgresql:///csc?host=/var/run/postgresql',
  ])('takes %s as it is', (url) => {
    expect(master({ MASTER_DATABASE_URL: url })).toMatchObject({ databaseUrl: url, sqliteSync: undefined });
  });

  it('takes --database-url over the environment', () => {
    expect(master({ MASTER_DATABASE_URL: 'postgres://a@env/csc' }, { databaseUrl: 'postgres://a@flag/csc' }).databaseUrl).toBe('postgres://a@flag/csc');
  });

  it.each([
    ['not a url', /must be a URL like postgres:/],
    [`mysql://csc:${PASSWORD}@db/csc`, /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [`sqlite:///var/lib/csc/master.db`, /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [`postgres://csc:${PASSWORD}@db.example:5432`, /must name one database/],
    [`postgres://csc:${PASSWORD}@db.example/csc/extra`, /must name one database/],
    [`postgres://csc:${PASSWORD}@db.example:port/csc`, /must be a URL like/],
    ['postgresql:///csc', /must name the server's host/],
  ])('refuses %s, naming the key and never the password', (url, reason) => {
    const attempt = () => master({ MASTER_DATABASE_URL: url });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^MASTER_DATABASE_URL \(environment\): /);
    expect(attempt).toThrow(reason);
    expect(attempt).not.toThrow(PASSWORD);
  });

  it('names the flag when the flag is bad', () => {
    expect(() => master({}, { databaseUrl: `http://csc:${PASSWORD}@db/csc` })).toThrow(/^--database-url: must be a postgres/);
    expect(() => master({}, { databaseUrl: `http://csc:${PASSWORD}@db/csc` })).not.toThrow(PASSWORD);
  });

  it('refuses MASTER_SQLITE_SYNC beside a database URL instead of ignoring it', () => {
    const both = () => master({ MASTER_DATABASE_URL: 'postgres://csc@db/csc', MASTER_SQLITE_SYNC: 'normal' });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/^MASTER_SQLITE_SYNC \(environment\): applies to a SQLite store only/);
    // Empty counts as unset, as for every setting: the sample .env may keep the line.
    expect(master({ MASTER_DATABASE_URL: 'postgres://csc@db/csc', MASTER_SQLITE_SYNC: '' }).sqliteSync).toBeUndefined();
  });

  it('resolves the data dir and the URL for the commands beside the master', () => {
    expect(resolveStoreTarget({ dataDir: '/srv/csc' }, environmentFrom({ MASTER_DATABASE_URL: 'postgres://csc@db/csc' }))).toEqual({ dataDir: '/srv/csc', databaseUrl: 'postgres://csc@db/csc' });
    expect(resolveStoreTarget({ dataDir: '/srv/csc' }, environmentFrom({}))).toEqual({ dataDir: '/srv/csc', databaseUrl: undefined });
  });
});

describe('redactDatabaseUrl', () => {
  it('drops the password, in the user part or as a parameter, and keeps the rest', () => {
    expect(redactDatabaseUrl(`postgres://csc:${PASSWORD}@db.example:5432/csc`)).toBe('postgres://csc@db.example:5432/csc');
    expect(redactDatabaseUrl(`postgresql://db.example/csc?user=csc&password=${PASSWORD}&sslmode=require`)).toBe('postgresql://db.example/csc?user=csc&sslmode=require');
    expect(redactDatabaseUrl(`postgres://:${PASSWORD}@db.example/csc`)).toBe('postgres://db.example/csc');
    expect(redactDatabaseUrl('postgres://csc@db.example/csc')).toBe('postgres://csc@db.example/csc');
    expect(redactDatabaseUrl('postgresql:///csc?host=/var/run/postgresql')).toBe('postgresql:///csc?host=/var/run/postgresql');
  });

  it('shows what is not a URL only by its length', () => {
    expect(redactDatabaseUrl(`csc:${PASSWORD}`)).toBe(`${PASSWORD.length + 4} characters`);
  });
});
