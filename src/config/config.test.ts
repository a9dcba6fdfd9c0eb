import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import {
  ConfigError,
  SECRET_FILES,
  ensureDataDir,
  environmentFrom,
  loadEnvironment,
  loadOrCreateSecret,
  readSecretFile,
  resolveMasterConfig,
  resolveNodeConfig,
} from './index.js';

afterAll(removeTempDirs);

describe('master configuration', () => {
  it('has the documented defaults', () => {
    const config = resolveMasterConfig({}, environmentFrom({}), false);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8765,
      httpHost: '127.0.0.1',
      httpPort: 8080,
      dataDir: join(homedir(), '.codex-super-client'),
      pingIntervalSec: 15,
      maxPayloadBytes: 1024 * 1024,
      token: undefined,
      adminToken: undefined,
      remoteDefaultTags: [],
      log: { level: 'info', format: 'json' },
    });
    expect(resolveMasterConfig({}, environmentFrom({}), true).log.format).toBe('pretty');
  });

  it('lets --http-host default to --host', () => {
    expect(resolveMasterConfig({ host: '0.0.0.0' }, environmentFrom({}), false).httpHost).toBe('0.0.0.0');
    expect(resolveMasterConfig({ host: '0.0.0.0', httpHost: '127.0.0.1' }, environmentFrom({}), false).httpHost).toBe('127.0.0.1');
  });

  it('takes a flag over the environment over .env over the default', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'MASTER_PORT=7001\nMASTER_HTTP_PORT=7002\nMASTER_PING_INTERVAL=3\n');
    const env = loadEnvironment(cwd, { MASTER_HTTP_PORT: '7003', MASTER_PING_INTERVAL: '' });
    const config = resolveMasterConfig({ port: '7004' }, env, false);
    expect(config.port).toBe(7004);
    expect(config.httpPort).toBe(7003);
    expect(config.pingIntervalSec).toBe(3);
    expect(resolveMasterConfig({}, env, false).port).toBe(7001);
  });

  it.each([
    [{ port: 'eighty' }, {}, /^--port: must be a number/],
    [{}, { MASTER_PORT: '70000' }, /^MASTER_PORT \(environment\): must be between 0 and 65535/],
    [{}, { MASTER_PING_INTERVAL: '0' }, /^MASTER_PING_INTERVAL \(environment\): must be more than 0/],
    [{}, { MASTER_MAX_PAYLOAD: '12' }, /^MASTER_MAX_PAYLOAD .*at least 1024 bytes/],
    [{ logLevel: 'loud' }, {}, /^--log-level: must be one of/],
    [{}, { MASTER_TOKEN: 'short' }, /^MASTER_TOKEN \(environment\): must be at least 16 characters/],
  ])('fails fast on %o %o, naming the key', (flags, env, message) => {
    expect(() => resolveMasterConfig(flags, environmentFrom(env), false)).toThrow(ConfigError);
    expect(() => resolveMasterConfig(flags, environmentFrom(env), false)).toThrow(message);
  });

  it('never repeats a bad secret in its error message', () => {
    const secret = 'has spaces in it but is long';
    expect(() => resolveMasterConfig({}, environmentFrom({ MASTER_ADMIN_TOKEN: secret }), false)).toThrow(/28 characters/);
    try {
      resolveMasterConfig({}, environmentFrom({ MASTER_ADMIN_TOKEN: secret }), false);
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('reads the remote nodes\' default tags from REMOTE_DEFAULT_TAGS', () => {
    expect(resolveMasterConfig({}, environmentFrom({ REMOTE_DEFAULT_TAGS: ' codex, remote ,,' }), false).remoteDefaultTags).toEqual(['codex', 'remote']);
    expect(() => resolveMasterConfig({}, environmentFrom({ REMOTE_DEFAULT_TAGS: 'x'.repeat(65) }), false)).toThrow(/^REMOTE_DEFAULT_TAGS \(environment\): each tag/);
  });

  it('reads the approval timeout from MASTER_APPROVAL_TIMEOUT, 600 s by default', () => {
    expect(resolveMasterConfig({}, environmentFrom({}), false).jobs.approvalTimeoutSec).toBe(600);
    expect(resolveMasterConfig({}, environmentFrom({ MASTER_APPROVAL_TIMEOUT: '90' }), false).jobs.approvalTimeoutSec).toBe(90);
    expect(() => resolveMasterConfig({}, environmentFrom({ MASTER_APPROVAL_TIMEOUT: '0' }), false)).toThrow(/^MASTER_APPROVAL_TIMEOUT \(environment\): must be at least 1/);
    expect(() => resolveMasterConfig({}, environmentFrom({ MASTER_APPROVAL_TIMEOUT: '1.5' }), false)).toThrow(/^MASTER_APPROVAL_TIMEOUT .*whole seconds/);
  });

  it('expands ~ in the data dir', () => {
    expect(resolveMasterConfig({ dataDir: '~/x' }, environmentFrom({}), false).dataDir).toBe(join(homedir(), 'x'));
  });
});

describe('node configuration', () => {
  it('parses tags and falls back to the host name', () => {
    const config = resolveNodeConfig({ tags: ' linux, gpu ,,' }, environmentFrom({ MASTER_HOST: '10.0.0.2', MASTER_PORT: '9000' }), false);
    expect(config).toMatchObject({ host: '10.0.0.2', port: 9000, tags: ['linux', 'gpu'], token: undefined });
    expect(config.name.length).toBeGreaterThan(0);
  });

  it('takes --token over MASTER_TOKEN', () => {
    const env = environmentFrom({ MASTER_TOKEN: 'from-environment-0123' });
    expect(resolveNodeConfig({ token: 'from-the-flag-012345' }, env, false).token).toBe('from-the-flag-012345');
    expect(resolveNodeConfig({}, env, false).token).toBe('from-environment-0123');
  });
});

describe('generated secrets', () => {
  it('generates a secret once, stores it with mode 0600, and reuses it', () => {
    const dir = tempDir();
    const first = loadOrCreateSecret(dir, SECRET_FILES.adminToken, undefined);
    expect(first.origin).toBe('generated');
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSecret(dir, SECRET_FILES.adminToken, undefined);
    expect(second).toEqual({ ...first, origin: 'file' });
    expect(loadOrCreateSecret(dir, SECRET_FILES.adminToken, 'configured-value-123').value).toBe('configured-value-123');
  });

  it('never generates a secret starting with "-", which a command line would read as options after --token', () => {
    // 1 in 64 base64url values starts with "-": 640 of them would hold about 10 such.
    const values = Array.from({ length: 640 }, () => loadOrCreateSecret(tempDir(), SECRET_FILES.nodeToken, undefined).value);
    expect(values.filter((value) => value.startsWith('-'))).toEqual([]);
    expect(values.every((value) => /^[A-Za-z0-9_-]{43}$/.test(value))).toBe(true);
  });

  it('keeps the data dir to its owner, tightening one open to others', () => {
    const dir = join(tempDir(), 'data');
    ensureDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(dir, 0o755);
    ensureDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('tightens a stored secret readable by others and refuses an empty one', () => {
    const dir = tempDir();
    const path = join(dir, 'secret');
    writeFileSync(path, 'a-long-enough-secret-value\n', { mode: 0o644 });
    expect(readSecretFile(path)).toBe('a-long-enough-secret-value');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, '\n');
    expect(() => readSecretFile(path)).toThrow(/empty or too short/);
    expect(readSecretFile(join(dir, 'missing'))).toBeUndefined();
  });
});
