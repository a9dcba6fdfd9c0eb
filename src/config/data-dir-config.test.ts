import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { resolveDataDir } from './data-dir-config.js';
import { environmentFrom } from './environment.js';

describe('resolveDataDir', () => {
  it('takes --data-dir over MASTER_DATA_DIR over the default, as csc master does', () => {
    expect(resolveDataDir('/srv/flag', environmentFrom({ MASTER_DATA_DIR: '/srv/env' }))).toBe('/srv/flag');
    expect(resolveDataDir(undefined, environmentFrom({ MASTER_DATA_DIR: '/srv/env' }))).toBe('/srv/env');
    expect(resolveDataDir(undefined, environmentFrom({}))).toBe(join(homedir(), '.codex-super-client'));
    expect(resolveDataDir('relative', environmentFrom({}))).toBe(resolve('relative'));
  });

  it('names the key of a bad value', () => {
    expect(() => resolveDataDir(' ', environmentFrom({}))).toThrow(ConfigError);
    expect(() => resolveDataDir(' ', environmentFrom({}))).toThrow('--data-dir: must not be empty');
  });
});
