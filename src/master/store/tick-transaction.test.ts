import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { SqliteStore } from './sqlite-store.js';

afterAll(removeTempDirs);

const newJob = (prompt: string) => ({ prompt, target: { tags: [] }, profile: {}, origin: { kind: 'api' as const }, maxAttempts: 3, timeoutSec: 60 });
const AT = '2026-01-01T00:00:00.000Z';
const event = (seq: number) => ({ seq, at: AT, event: { kind: 'log' as const, level: 'info' as const, message: `line ${seq}` } });

/** The store plus a second connection that sees only what is committed, as a restarted master would. */
function open(): { store: SqliteStore; committedJobs: () => number; committedRows: () => number; close: () => Promise<void> } {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  const reader = new Database(join(dir, 'master.db'), { readonly: true });
  const committedJobs = (): number => (reader.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
  const tables = ['jobs', 'job_events', 'settings', 'profiles', 'remote_nodes', 'credentials', 'job_usage', 'job_idempotency_keys'];
  const rows = reader.prepare(`SELECT ${tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ')} AS n`);
  const committedRows = (): number => (rows.get() as { n: number }).n;
  return { store, committedJobs, committedRows, close: () => (reader.close(), store.close()) };
}

describe('writes grouped per event-loop turn', () => {
  it('commits a turn of writes together once its I/O callbacks have run, and resolves whenCommitted then', async () => {
    const { store, committedRows, close } = open();
    const first = await store.jobs.create(newJob('a'), AT);
    await store.jobs.create(newJob('b'), AT);
    store.jobs.appendEvents(first.id, [event(1), event(2)]);
    store.jobs.saveIdempotencyKey('k', { jobId: first.id, fingerprint: 'f', createdAt: AT });
    store.settings.saveBudgets({ userDaily: 1 }, AT);
    store.profiles.put({ name: 'p' }, AT);
    void store.credentials.add({ name: 'c', role: 'node', tokenHash: 'h', createdAt: AT });
    store.usage.record({ jobId: first.id, day: '2026-01-01', user: 'admin', tokens: { input: 1, output: 1, total: 2 } });
    await store.remoteNodes.add({ name: 'r', host: 'h', tags: [], status: 'online' }, AT);
    // Awaiting what SQLite already answered takes microtasks, never the turn: nothing is committed yet.
    expect(committedRows()).toBe(0);
    expect(await store.jobs.get(first.id)).toMatchObject({ prompt: 'a', lastSeq: 2 });
    expect(committedRows()).toBe(0);
    await store.jobs.whenCommitted();
    expect(committedRows()).toBe(10);
    await close();
  });

  it('runs each statement when it is called, and commit() returns undefined having committed', async () => {
    const { store, committedJobs, close } = open();
    // Not awaited: the insert has run, in the turn's transaction, before its promise is looked at.
    const made = store.jobs.create(newJob('a'), AT);
    const added = store.remoteNodes.add({ name: 'r', host: 'h', tags: [], status: 'online' }, AT);
    expect(store.commit()).toBeUndefined();
    expect(committedJobs()).toBe(1);
    expect((await made).id).toBe(1);
    expect((await added).name).toBe('r');
    // A failing statement rejects its promise; it neither throws nor ends the turn's transaction.
    store.jobs.update(1, { status: 'running' });
    const refused = store.remoteNodes.add({ name: 'R', host: 'h', tags: [], status: 'online' }, AT);
    expect(store.jobs.commit()).toBeUndefined();
    await expect(refused).rejects.toThrow(/UNIQUE/);
    expect((await store.jobs.get(1))?.status).toBe('running');
    await close();
  });
});
