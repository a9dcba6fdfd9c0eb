import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { captureLog } from '../../test-support/log-capture.js';
import { postgresAvailable, stopWorkerPostgres } from '../../test-support/postgres-server.js';
import { testDatabaseUrl } from '../../test-support/test-database.js';
import { waitFor } from '../../test-support/wait.js';
import { migrationFile, NewerSchemaError } from './migrate.js';
import { pgMigrate, pgSchemaStatus, PgStore, readPgMigrations } from './pg/index.js';
import { StoreConstraintError } from './store-errors.js';
import { storeSuite } from './store-suite.js';
import { AT, logEvent, newJob } from './store-suite/fixtures.js';
import type { Store } from './store.js';
import { settled, StoreCommitError } from './unit-of-work.js';

/** This csc's PostgreSQL migrations (`0001_initial.sql`…), oldest first. */
const ALL = readPgMigrations().map(migrationFile);
const KNOWN = ALL.length;
/** The database each store of the suite was opened on, for `reopen`. */
const databases = new WeakMap<Store, string>();
const opened: PgStore[] = [];
const clients: pg.Client[] = [];

async function fresh(log = silentLogger()): Promise<{ store: PgStore; url: string }> {
  const url = await testDatabaseUrl('pg_store');
  const store = await PgStore.open(url, log);
  databases.set(store, url);
  opened.push(store);
  return { store, url };
}

async function open(url: string, log = silentLogger()): Promise<PgStore> {
  const store = await PgStore.open(url, log);
  databases.set(store, url);
  opened.push(store);
  return store;
}

/** A plain client on `url`, for looking at the database from outside the store. */
async function psql(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** The process id of the store's writer session on the database at `url`. */
async function writerPid(admin: pg.Client): Promise<number> {
  const found = await waitFor(async () => {
    const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'csc master'`);
    return rows[0]?.pid;
  }, 'the writer session');
  return found;
}

describe.skipIf(!postgresAvailable())('PgStore', () => {
  afterAll(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const client of clients.splice(0)) await client.end();
    await stopWorkerPostgres();
  });

  describe('as a Store', () => {
    storeSuite('PostgreSQL', async () => (await fresh()).store, { reopen: (store) => open(databases.get(store)!) });
  });

  it('applies its migrations once, recording them; a reopening applies none', async () => {
    const { store, url } = await fresh();
    expect(store.identity).toMatchObject({ engine: 'PostgreSQL', schemaVersion: KNOWN, migratedFrom: 0, applied: ALL });
    await store.close();
    const again = await open(url);
    expect(again.identity).toMatchObject({ schemaVersion: KNOWN, migratedFrom: KNOWN, applied: [] });
    const { rows } = await (await psql(url)).query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(ALL.map((name, i) => ({ version: i + 1, name })));
  });

  it('migrates a fresh database once when two masters open it at the same time', async () => {
    const url = await testDatabaseUrl('pg_race');
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect([a.identity.applied, b.identity.applied].sort()).toEqual([[], ALL]);
    const { rows } = await (await psql(url)).query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(String(KNOWN));
  });

  it('reports where a database stands for `csc migrate`, and migrates it', async () => {
    const url = await testDatabaseUrl('pg_status');
    expect(await pgSchemaStatus(url)).toEqual({ version: 0, known: KNOWN, applied: [], pending: ALL });
    const applied: string[] = [];
    expect(await pgMigrate(url, (file) => applied.push(file))).toEqual({ from: 0, version: KNOWN, applied: ALL });
    expect(applied).toEqual(ALL);
    expect(await pgSchemaStatus(url)).toEqual({ version: KNOWN, known: KNOWN, applied: ALL, pending: [] });
    expect(await pgMigrate(url)).toEqual({ from: KNOWN, version: KNOWN, applied: [] });
  });

  it('refuses a database a newer csc migrated, naming it without its password', async () => {
    const { store, url } = await fresh();
    await store.close();
    await (await psql(url)).query(`INSERT INTO schema_migrations (version, name) VALUES (${KNOWN + 1}, 'future.sql')`);
    const withPassword = url.replace('csc@', 'csc:hunter2@');
    const refused = PgStore.open(withPassword, silentLogger());
    await expect(refused).rejects.toThrow(NewerSchemaError);
    await expect(refused).rejects.toThrow(new RegExp(`schema ${KNOWN + 1}, this csc knows ${KNOWN}`));
    await expect(refused).rejects.not.toThrow(/hunter2/);
    await expect(pgSchemaStatus(url)).rejects.toThrow(NewerSchemaError);
    await expect(pgMigrate(url)).rejects.toThrow(NewerSchemaError);
  });

  it('never shows the password of its URL', async () => {
    const url = (await testDatabaseUrl('pg_secret')).replace('csc@', 'csc:hunter2@');
    const { log, lines } = captureLog('debug');
    const store = await open(`${url}?application_name=x`, log);
    expect(store.identity.location).toBe(url.replace(':hunter2', '') + '?application_name=x');
    await settled(store.commit());
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('fails a commit whose connection is lost mid-turn, telling the listeners and the waiters; the next turn commits', async () => {
    const { log, lines } = captureLog();
    const { store, url } = await fresh(log);
    const admin = await psql(url);
    const failures: Error[] = [];
    store.onCommitFailed((error) => failures.push(error));
    const { id } = await store.jobs.create(newJob(), AT);
    await settled(store.commit());
    // The writer's next statement waits behind this lock until its session is ended.
    const locker = await psql(url);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE settings');
    store.settings.saveBudgets({ masterDaily: 1 }, AT);
    store.jobs.appendEvents(id, [logEvent(1)]);
    const committed = store.whenCommitted();
    committed.catch(() => undefined);
    const pid = await writerPid(admin);
    await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).rows.length > 0, 'the writer to wait');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(committed).rejects.toThrow(StoreCommitError);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(StoreCommitError);
    await locker.query('ROLLBACK');

    store.settings.saveBudgets({ masterDaily: 2 }, AT);
    store.jobs.appendEvents(id, [logEvent(1)]);
    await settled(store.commit());
    expect(await store.settings.budgets()).toEqual({ masterDaily: 2 });
    expect((await store.jobs.events(id, 0, 10)).map((e) => e.seq)).toEqual([1]);
    expect(failures).toHaveLength(1);
    expect(lines.some((line) => line.msg.includes('lost the connection'))).toBe(true);
  });

  it('reconnects for the next turn when its idle connection is ended', async () => {
    const { log, lines } = captureLog();
    const { store, url } = await fresh(log);
    await (await psql(url)).query('SELECT pg_terminate_backend($1)', [await writerPid(await psql(url))]);
    await waitFor(() => lines.some((line) => line.msg.includes('lost the connection')), 'the loss to be noticed');
    store.profiles.put({ name: 'after' }, AT);
    await settled(store.commit());
    expect((await store.profiles.list()).map((p) => p.name)).toEqual(['after']);
  });

  it('rolls back a turn one of whose statements failed, as a failed commit; the next turn commits', async () => {
    const { store } = await fresh();
    const failures: Error[] = [];
    store.onCommitFailed((error) => failures.push(error));
    store.profiles.put({ name: 'lost' }, AT);
    // Out of bigint's range: PostgreSQL refuses the statement, and with it the transaction.
    store.usage.record({ jobId: 1, day: '2026-01-01', user: 'admin', tokens: { input: 1e20, output: 0, total: 0 } });
    const committed = store.whenCommitted();
    await expect(settled(store.commit())).rejects.toThrow(StoreCommitError);
    await expect(committed).rejects.toThrow(/out of range/);
    expect(failures).toHaveLength(1);
    store.profiles.put({ name: 'kept' }, AT);
    await settled(store.commit());
    expect((await store.profiles.list()).map((p) => p.name)).toEqual(['kept']);
  });

  it('writes the sightings of many turns together, within the window', async () => {
    const { store, url } = await fresh();
    const outside = await psql(url);
    const count = async () => Number((await outside.query<{ n: string }>('SELECT count(*) AS n FROM nodes')).rows[0]?.n);
    const seen = (i: number) => store.recordNodeSeen({ name: `n${i}`, nodeId: undefined, tags: [], version: undefined, address: '10.0.0.1:5', at: AT });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    seen(0);
    await nextTurn();
    expect(await count()).toBe(0);
    for (let i = 1; i < 50; i++) {
      seen(i);
      await nextTurn();
    }
    await waitFor(async () => (await count()) === 50, 'the batch to be committed', 2000);
  });

  it("keeps the turn's other writes when one of them conflicts", async () => {
    const { store, url } = await fresh();
    const { id } = await store.jobs.create(newJob(), AT);
    await store.remoteNodes.add({ name: 'Alpha', host: 'h', tags: [], status: 'online' }, AT);
    const beta = await store.remoteNodes.add({ name: 'beta', host: 'h', tags: [], status: 'online' }, AT);
    store.jobs.appendEvents(id, [logEvent(1), logEvent(2)]);
    await settled(store.commit());

    // One turn: duplicate seqs, a name taken (regardless of case), a rename onto it, a follow-up of no job, a credential twice.
    store.jobs.appendEvents(id, [logEvent(2, 'again'), logEvent(3), logEvent(3, 'twice')]);
    const taken = store.remoteNodes.add({ name: 'ALPHA', host: 'h2', tags: [], status: 'offline' }, AT);
    const renamed = store.remoteNodes.update(beta.id, { name: 'alpha' }, AT);
    const orphan = store.jobs.create(newJob('orphan', { continueFrom: 999 }), AT, { key: 'orphan-key', fingerprint: 'f' });
    const credentials = [store.credentials.add({ name: 'n1', role: 'node', tokenHash: 'a'.repeat(64), createdAt: AT }), store.credentials.add({ name: 'N1', role: 'node', tokenHash: 'b'.repeat(64), createdAt: AT })];
    store.settings.saveBudgets({ masterDaily: 5 }, AT);
    await Promise.all([taken, renamed, orphan].map((refused) => expect(refused).rejects.toThrow(StoreConstraintError)));
    expect(await Promise.all(credentials)).toEqual([true, false]);
    await settled(store.commit());

    const second = await open(url);
    expect((await second.jobs.events(id, 0, 10)).map((e) => [e.seq, e.event.kind === 'log' && e.event.message])).toEqual([
      [1, 'line 1'],
      [2, 'line 2'],
      [3, 'line 3'],
    ]);
    expect((await second.remoteNodes.list()).map((node) => node.name)).toEqual(['Alpha', 'beta']);
    expect((await second.credentials.list()).map((credential) => credential.tokenHash)).toEqual(['a'.repeat(64)]);
    expect(await second.settings.budgets()).toEqual({ masterDaily: 5 });
    expect(await second.jobs.idempotencyKey('orphan-key')).toBeUndefined();
  });

  it('commits the turns that come while a commit is under way together, once that one is answered', async () => {
    const { store, url } = await fresh();
    const locker = await psql(url);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE profiles');
    store.profiles.put({ name: 'a' }, AT);
    const first = store.commit();
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    await nextTurn();
    store.profiles.put({ name: 'b' }, AT);
    const second = store.commit();
    await nextTurn();
    store.settings.saveBudgets({ masterDaily: 3 }, AT);
    // The same unit of work: it is still open, waiting for the first commit's answer.
    expect(store.commit()).toBe(second);
    expect(store.whenCommitted()).toBe(second);
    await locker.query('ROLLBACK');
    await Promise.all([first, second]);
    const other = await open(url);
    expect((await other.profiles.list()).map((p) => p.name)).toEqual(['a', 'b']);
    expect(await other.settings.budgets()).toEqual({ masterDaily: 3 });
  });

  it('gives back the JSON of events byte for byte, and stores a NUL of plain text as U+FFFD', async () => {
    const { store } = await fresh();
    const { id } = await store.jobs.create(newJob('a\u0000b'), AT);
    const events = [
      { seq: 1, at: AT, event: { kind: 'log' as const, level: 'info' as const, message: 'quote " backslash \\ nul \u0000 separator \u001e comma , emoji 🚀 é\n\t' } },
      { seq: 2, at: AT, event: { kind: 'diff' as const, part: 1, parts: 1, text: 'diff \u0000 --git' } },
    ];
    store.jobs.appendEvents(id, events);
    store.jobs.update(id, { error: 'x\u0000y' });
    await settled(store.commit());
    expect((await store.jobs.eventsJson(id, 0, 10)).map((e) => e.json)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(await store.jobs.events(id, 0, 10)).toEqual(events);
    expect(await store.jobs.diffParts(id)).toEqual([{ seq: 2, part: 1, parts: 1, text: 'diff \u0000 --git' }]);
    expect(await store.jobs.get(id)).toMatchObject({ prompt: 'a\uFFFDb', error: 'x\uFFFDy' });
  });

  it('orders and compares names as SQLite does, byte by byte, whatever the database locale', async () => {
    const { store } = await fresh();
    for (const name of ['b', 'B', 'a', 'A', 'é']) store.profiles.put({ name }, AT);
    await settled(store.commit());
    expect((await store.profiles.list()).map((p) => p.name)).toEqual(['A', 'B', 'a', 'b', 'é']);
  });
});
