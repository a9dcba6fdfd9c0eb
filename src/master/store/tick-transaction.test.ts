import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { withChanges } from './job-store.js';
import { SqliteStore } from './sqlite-store.js';

afterAll(removeTempDirs);

const newJob = (prompt: string) => ({ prompt, target: { tags: [] }, profile: {}, origin: { kind: 'api' as const }, maxAttempts: 3, timeoutSec: 60 });
const event = (seq: number) => ({ seq, at: '2026-01-01T00:00:00.000Z', event: { kind: 'log' as const, level: 'info' as const, message: `line ${seq}` } });

/** The store plus a second connection that sees only what is committed, as a restarted master would. */
function open(): { store: SqliteStore; committedJobs: () => number; close: () => void } {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  const reader = new Database(join(dir, 'master.db'), { readonly: true });
  const committedJobs = (): number => (reader.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
  return { store, committedJobs, close: () => (reader.close(), store.close()) };
}

describe('writes grouped per event-loop turn', () => {
  it('commits a turn of writes together once its I/O callbacks have run, and resolves whenCommitted then', async () => {
    const { store, committedJobs, close } = open();
    const first = store.jobs.create(newJob('a'), '2026-01-01T00:00:00.000Z');
    store.jobs.create(newJob('b'), '2026-01-01T00:00:00.000Z');
    store.jobs.appendEvents(first.id, [event(1), event(2)]);
    expect(committedJobs()).toBe(0);
    // Reads on the writing connection see the turn's writes before they are committed.
    expect(store.jobs.get(first.id)).toMatchObject({ prompt: 'a', lastSeq: 2 });
    await store.jobs.whenCommitted();
    expect(committedJobs()).toBe(2);
    await expect(store.jobs.whenCommitted()).resolves.toBeUndefined();
    close();
  });

  it('commits at once on commit(), and on close', () => {
    const { store, committedJobs, close } = open();
    store.jobs.create(newJob('a'), '2026-01-01T00:00:00.000Z');
    store.commit();
    expect(committedJobs()).toBe(1);
    store.jobs.create(newJob('b'), '2026-01-01T00:00:00.000Z');
    store.close();
    const reopened = new SqliteStore(store.path.replace(/[/\\]master\.db$/, ''));
    expect(reopened.jobs.list({ limit: 10 }).map((job) => job.prompt)).toEqual(['b', 'a']);
    reopened.close();
    close();
  });

  it('returns from create, and withChanges after an update, exactly what a read gives back', () => {
    const { store, close } = open();
    const at = '2026-01-01T00:00:00.000Z';
    const created = store.jobs.create({ ...newJob('c'), repo: 'o/r', ref: 'main', target: { node: 'n1', tags: ['gpu'] } }, at);
    expect(store.jobs.get(created.id)).toStrictEqual(created);
    const assigned = withChanges(created, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: at });
    store.jobs.update(created.id, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: at });
    expect(store.jobs.get(created.id)).toStrictEqual(assigned);
    store.jobs.update(created.id, { status: 'queued', node: null, assignedAt: null });
    expect(store.jobs.get(created.id)).toStrictEqual(withChanges(assigned, { status: 'queued', node: null, assignedAt: null }));
    close();
  });

  it('gives each job the highest seq stored for it, duplicates ignored, in every read and after a reopen', () => {
    const { store, close } = open();
    const at = '2026-01-01T00:00:00.000Z';
    const [a, b] = [store.jobs.create(newJob('a'), at), store.jobs.create(newJob('b'), at)];
    store.jobs.appendEvents(a.id, [event(1), event(2), event(3)]);
    store.jobs.appendEvents(a.id, [event(2), event(3)]);
    store.jobs.appendEvents(b.id, [event(1)]);
    store.close();
    const reopened = new SqliteStore(store.path.replace(/[/\\]master\.db$/, ''));
    expect(reopened.jobs.get(a.id)?.lastSeq).toBe(3);
    expect(reopened.jobs.list({ limit: 10 }).map((job) => [job.prompt, job.lastSeq])).toEqual([['b', 1], ['a', 3]]);
    expect(reopened.jobs.withStatus(['queued']).map((job) => job.lastSeq)).toEqual([3, 1]);
    expect(reopened.jobs.events(a.id, 0, 10).map((e) => e.seq)).toEqual([1, 2, 3]);
    reopened.close();
    close();
  });
});
