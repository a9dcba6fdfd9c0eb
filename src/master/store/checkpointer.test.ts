import { existsSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { waitFor } from '../../test-support/wait.js';
import { Checkpointer, type CheckpointReport } from './checkpointer.js';
import { SqliteStore, WAL_SIZE_LIMIT_BYTES } from './sqlite-store.js';

afterAll(removeTempDirs);

const newJob = (prompt: string) => ({ prompt, target: { tags: [] }, profile: {}, origin: { kind: 'api' as const }, maxAttempts: 3, timeoutSec: 60 });

describe('Checkpointer', () => {
  it('copies committed pages into the database file from its own thread, commits never doing it', async () => {
    const store = new SqliteStore(tempDir());
    const before = statSync(store.path).size;
    // About 1500 pages: past SQLite's automatic checkpoint (1000), which would have grown the file in this commit.
    for (let i = 0; i < 2000; i++) await store.jobs.create(newJob(`job ${i} ${'x'.repeat(2500)}`), '2026-01-01T00:00:00.000Z');
    store.commit();
    expect(statSync(store.path).size).toBe(before);
    await waitFor(() => statSync(store.path).size > before || undefined, 'the checkpoint thread', 5000);
    await store.close();
  });

  it('says when a reader keeps it from copying a long WAL back, and not once all of it is copied', async () => {
    const store = new SqliteStore(tempDir());
    await store.jobs.create(newJob('one'), '2026-01-01T00:00:00.000Z');
    store.commit();
    // A reader pinning an old snapshot: frames written after it cannot be copied back yet.
    const reader = new Database(store.path, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM jobs').get();
    await store.jobs.create(newJob('two'), '2026-01-01T00:00:00.000Z');
    store.commit();
    const reports: CheckpointReport[] = [];
    const checkpointer = new Checkpointer({ path: store.path, intervalMs: 20, maxFrames: 0, truncateFrames: 1_000_000, onReport: (report) => reports.push(report) });
    expect(await waitFor(() => reports[0], 'a report', 5000)).toMatchObject({ kind: 'behind' });
    reader.prepare('COMMIT').run();
    reader.close();
    // Idle and all copied back: nothing more to say, however long the WAL still is (ten ticks).
    await sleep(100);
    const settled = reports.length;
    await sleep(200);
    expect(reports.length).toBe(settled);
    checkpointer.stop();
    await store.close();
  });

  it('gives the disk back: a WAL a reader made grow past the limit comes back under it once copied back', async () => {
    const store = new SqliteStore(tempDir());
    const job = await store.jobs.create(newJob('long'), '2026-01-01T00:00:00.000Z');
    store.commit();
    const wal = `${store.path}-wal`;
    const walSize = () => (existsSync(wal) ? statSync(wal).size : 0);
    // A reader pinning the first snapshot: nothing written after it can be copied back, so the WAL grows.
    const reader = new Database(store.path, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM jobs').get();
    const text = 'y'.repeat(32 * 1024);
    let seq = 0;
    // In one turn, so that nothing (a RESTART the thread asks for) waits for this thread's own reader. ~80 MiB.
    for (let commit = 0; commit < 80; commit++) {
      store.jobs.appendEvents(job.id, Array.from({ length: 32 }, () => ({ seq: ++seq, at: '2026-01-01T00:00:00.000Z', event: { kind: 'log' as const, level: 'info' as const, message: text } })));
      store.commit();
    }
    const peak = walSize();
    expect(peak).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    reader.prepare('COMMIT').run();
    reader.close();
    // The checkpoint thread copies it back within a tick or two and truncates it.
    const back = await waitFor(() => (walSize() <= WAL_SIZE_LIMIT_BYTES ? { size: walSize() } : undefined), 'the WAL back under the limit', 15_000);
    expect(back.size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect((await store.jobs.get(job.id))?.lastSeq).toBe(seq);
    await store.close();
  });
});
