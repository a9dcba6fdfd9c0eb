import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentFrom, resolveDoctorConfig, type StoreTarget } from '../config/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { checkStore, STORE_CONNECT_TIMEOUT_MS, storeVerdict, type StoreReading } from './store-checks.js';

afterAll(removeTempDirs);

const schema = (engine: string, version: number, pending: string[] = []): StoreReading => ({ kind: 'schema', engine, database: 'db', exists: true, version, known: version + pending.length, pending });

describe('the store check', () => {
  it('is skipped where no master keeps a store, without reading anything', async () => {
    const dataDir = tempDir();
    const config = resolveDoctorConfig({}, environmentFrom({ MASTER_DATA_DIR: dataDir }));
    const check = await checkStore(config, () => Promise.reject(new Error('must not be read')));
    expect(check).toMatchObject({ id: 'store', status: 'skip', summary: expect.stringContaining(`no ${join(dataDir, 'master.db')}`) as unknown });
  });

  it('reads the SQLite file of the data dir, or the database of MASTER_DATABASE_URL, with a short connect timeout', async () => {
    const asked: [StoreTarget, number][] = [];
    const probe = (target: StoreTarget, timeoutMs: number) => {
      asked.push([target, timeoutMs]);
      return Promise.resolve(schema('SQLite', 10));
    };
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'master.db'), '');
    await checkStore(resolveDoctorConfig({}, environmentFrom({ MASTER_DATA_DIR: dataDir })), probe);
    const url = 'postgres://csc:pw-0123@db.example/csc';
    await checkStore(resolveDoctorConfig({}, environmentFrom({ MASTER_DATA_DIR: tempDir(), MASTER_DATABASE_URL: url })), probe);
    expect(asked).toEqual([
      [{ dataDir, databaseUrl: undefined }, STORE_CONNECT_TIMEOUT_MS],
      [{ dataDir: expect.any(String) as unknown, databaseUrl: url }, STORE_CONNECT_TIMEOUT_MS],
    ]);
    expect(STORE_CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(5_000);
  });

  it('is ok for a current schema, warns of pending migrations (the master applies them), fails a newer one', () => {
    expect(storeVerdict(schema('PostgreSQL', 3))).toMatchObject({ status: 'ok', summary: 'PostgreSQL db, schema 3: current' });
    const behind = storeVerdict(schema('SQLite', 9, ['0010_retention.sql']));
    expect(behind).toMatchObject({ status: 'warn', summary: 'SQLite db is at schema 9, this csc knows 10: 1 migration pending', detail: '0010_retention.sql' });
    expect(behind.hint).toContain('csc backup FILE');
    expect(storeVerdict(schema('PostgreSQL', 1, ['0002_a.sql', '0003_b.sql'])).hint).toContain('pg_dump');
    const newer = storeVerdict({ kind: 'newer', engine: 'SQLite', database: 'db', found: 12, known: 10 });
    expect(newer).toMatchObject({ status: 'fail', summary: 'the store SQLite db was written by a newer csc: schema 12, this csc knows 10' });
    expect(newer.hint).toContain('upgrade csc');
  });

  it('fails a server it cannot reach, saying what to check', () => {
    const message = 'cannot read the store at postgres://csc@db.example/csc: connect ECONNREFUSED 10.0.0.1:5432';
    const check = storeVerdict({ kind: 'unreadable', engine: 'PostgreSQL', message });
    expect(check).toMatchObject({ status: 'fail', summary: message });
    expect(check.hint).toContain('MASTER_DATABASE_URL');
  });

  it('skips a data dir whose database is not made yet', () => {
    expect(storeVerdict({ kind: 'schema', engine: 'SQLite', database: '/srv/master.db', exists: false, version: 0, known: 10, pending: [] }).status).toBe('skip');
  });
});
