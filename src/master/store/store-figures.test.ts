import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { SqliteStore } from './sqlite-store.js';

afterAll(removeTempDirs);

const newJob = (prompt: string) => ({ prompt, target: { tags: [] }, profile: {}, origin: { kind: 'api' as const }, maxAttempts: 3, timeoutSec: 60 });
const AT = '2026-01-01T00:00:00.000Z';

describe('what the metrics read of the store', () => {
  it('times each commit that wrote something, and none that did not', () => {
    const store = new SqliteStore(tempDir());
    const took: number[] = [];
    store.observeCommits((seconds) => took.push(seconds));
    store.commit();
    expect(took).toEqual([]);
    store.jobs.create(newJob('a'), AT);
    store.commit();
    store.jobs.create(newJob('b'), AT);
    store.commit();
    expect(took).toHaveLength(2);
    for (const seconds of took) expect(seconds).toBeGreaterThan(0);
    for (const seconds of took) expect(seconds).toBeLessThan(5);
    store.close();
  });

  it('counts jobs in every state, succeeded ones as the rest of the table', () => {
    const store = new SqliteStore(tempDir());
    const [a, b] = [store.jobs.create(newJob('a'), AT), store.jobs.create(newJob('b'), AT), store.jobs.create(newJob('c'), AT)];
    store.jobs.update(a.id, { status: 'succeeded', finishedAt: AT });
    store.jobs.update(b.id, { status: 'failed', finishedAt: AT });
    expect(store.jobs.countByStatus()).toEqual({ queued: 1, assigned: 0, running: 0, succeeded: 1, failed: 1, cancelled: 0, lost: 0 });
    store.close();
  });
});
