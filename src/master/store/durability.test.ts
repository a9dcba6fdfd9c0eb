import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, environmentFrom, resolveMasterConfig } from '../../config/index.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { startTestMaster } from '../../test-support/test-master.js';
import { SqliteStore } from './sqlite-store.js';

afterAll(removeTempDirs);

const master = (env: Record<string, string>) => resolveMasterConfig({}, environmentFrom(env), false);

describe('acknowledged means durable', () => {
  it('syncs every commit (synchronous = FULL) unless told otherwise', async () => {
    const running = await startTestMaster();
    try {
      expect((running.store as SqliteStore).synchronousLevel()).toBe(2);
    } finally {
      await running.close();
    }
    const store = new SqliteStore(tempDir());
    expect(store.synchronousLevel()).toBe(2);
    await store.close();
  });

  it('runs synchronous = NORMAL only when MASTER_SQLITE_SYNC asks for it', async () => {
    expect(master({}).sqliteSync).toBe('full');
    expect(master({ MASTER_SQLITE_SYNC: 'normal' }).sqliteSync).toBe('normal');
    expect(() => master({ MASTER_SQLITE_SYNC: 'fast' })).toThrow(ConfigError);
    expect(() => master({ MASTER_SQLITE_SYNC: 'fast' })).toThrow(/MASTER_SQLITE_SYNC.*must be normal or full/);
    const running = await startTestMaster({ sqliteSync: master({ MASTER_SQLITE_SYNC: 'normal' }).sqliteSync });
    try {
      expect((running.store as SqliteStore).synchronousLevel()).toBe(1);
    } finally {
      await running.close();
    }
  });

  it('reads MASTER_QUEUE_TIMEOUT as seconds, off by default', () => {
    expect(master({}).jobs.queueTimeoutSec).toBeUndefined();
    expect(master({ MASTER_QUEUE_TIMEOUT: '90' }).jobs.queueTimeoutSec).toBe(90);
    expect(master({ MASTER_QUEUE_TIMEOUT: 'off' }).jobs.queueTimeoutSec).toBeUndefined();
    expect(master({ MASTER_QUEUE_TIMEOUT: '0' }).jobs.queueTimeoutSec).toBeUndefined();
    expect(() => master({ MASTER_QUEUE_TIMEOUT: 'soon' })).toThrow(/MASTER_QUEUE_TIMEOUT.*must be a number of seconds/);
  });
});
