import { describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { settled } from '../unit-of-work.js';
import { AT, logEvent, minute, newJob, type SuiteContext } from './fixtures.js';

/** What the second store can see of the writes `writeAll` makes. */
async function seen(store: Store, jobId: number): Promise<unknown[]> {
  return Promise.all([
    store.jobs.get(jobId).then((job) => [job?.status, job?.lastSeq]),
    store.settings.budgets(),
    store.remoteNodes.list().then((nodes) => nodes.map((node) => node.name)),
    store.credentials.list().then((credentials) => credentials.map((credential) => credential.name)),
    store.profiles.list().then((profiles) => profiles.map((profile) => profile.name)),
    store.usage.dayTotal({ kind: 'master' }, '2026-01-01').then((tokens) => tokens.total),
    store.jobs.idempotencyKey('key').then((record) => record?.jobId),
  ]);
}

/**
 * One write of every kind that returns nothing, to the job `jobId` (stored already), and those that
 * return what they made (their promises are returned): all of them join the current unit of work.
 */
function writeAll(store: Store, jobId: number): Promise<unknown> {
  store.jobs.update(jobId, { status: 'running', node: 'n1', attempt: 1 });
  store.jobs.appendEvents(jobId, [logEvent(1), logEvent(2)]);
  store.jobs.saveIdempotencyKey('key', { jobId, fingerprint: 'f', createdAt: AT });
  store.settings.saveBudgets({ masterDaily: 10 }, AT);
  const credential = store.credentials.add({ name: 'node-1', role: 'node', tokenHash: 'c'.repeat(64), createdAt: AT });
  store.profiles.put({ name: 'p' }, AT);
  store.usage.record({ jobId, day: '2026-01-01', user: 'admin', tokens: { input: 1, output: 1, total: 2 } });
  return Promise.all([credential, store.remoteNodes.add({ name: 'r1', host: 'h', tags: [], status: 'online' }, AT)]);
}

const EVERYTHING = [['running', 2], { masterDaily: 10 }, ['r1'], ['node-1'], ['p'], 2, 1];

export function commitCases({ engine, open, reopen, close }: SuiteContext): void {
  describe('units of work', () => {
    it('says which engine it is and that its opening applied every migration', async () => {
      const store = await open();
      expect(store.identity.engine).toBe(engine);
      expect(store.identity.schemaVersion).toBeGreaterThan(0);
      expect(store.identity).toMatchObject({ migratedFrom: 0 });
      expect(store.identity.applied).toHaveLength(store.identity.schemaVersion);
      if (!reopen) return;
      const second = await reopen(store);
      expect(second.identity).toEqual({ ...store.identity, migratedFrom: store.identity.schemaVersion, applied: [] });
    });

    it("reads see the unit of work's writes before it commits", async () => {
      const store = await open();
      const { id } = await store.jobs.create(newJob(), AT);
      await writeAll(store, id);
      expect(await seen(store, id)).toEqual(EVERYTHING);
      await settled(store.commit());
    });

    it('has nothing to wait for when nothing was written, and resolves whenCommitted', async () => {
      const store = await open();
      expect(store.commit()).toBeUndefined();
      expect(store.jobs.commit()).toBeUndefined();
      expect(store.maintenance.commit()).toBeUndefined();
      await expect(store.whenCommitted()).resolves.toBeUndefined();
      const { id } = await store.jobs.create(newJob(), AT);
      store.jobs.appendEvents(id, [logEvent(1)]);
      await expect(store.jobs.whenCommitted()).resolves.toBeUndefined();
      await expect(store.whenCommitted()).resolves.toBeUndefined();
      expect(store.commit()).toBeUndefined();
    });

    it('times each commit that wrote something, and none that did not; a commit failure listener can be told and taken back', async () => {
      const store = await open();
      const took: number[] = [];
      const failures: Error[] = [];
      store.observeCommits((seconds) => took.push(seconds));
      const stop = store.onCommitFailed((error) => failures.push(error));
      const stopJobs = store.jobs.onCommitFailed((error) => failures.push(error));
      expect(stop).toBeTypeOf('function');
      await settled(store.commit());
      expect(took).toEqual([]);
      await store.jobs.create(newJob('a'), AT);
      await settled(store.commit());
      store.settings.saveBudgets({ userDaily: 1 }, AT);
      await settled(store.jobs.commit());
      expect(took).toHaveLength(2);
      for (const seconds of took) expect(seconds >= 0 && seconds < 5).toBe(true);
      stop();
      stopJobs();
      expect(failures).toEqual([]);
    });

    // Not that a second store sees nothing before: on an engine with a server its read races the
    // commit (queued at the end of the turn, before the read is answered). SQLite's tests show that.
    it.skipIf(!reopen)('shows a second store all of a unit of work once it has committed', async () => {
      const store = await open();
      const second = await reopen!(store);
      const { id } = await store.jobs.create(newJob(), AT);
      await settled(store.commit());
      const added = writeAll(store, id);
      await settled(store.commit());
      await added;
      expect(await seen(second, id)).toEqual(EVERYTHING);
    });

    it.skipIf(!reopen)("commits a turn's writes by itself, whenCommitted resolving once they are durable", async () => {
      const store = await open();
      const second = await reopen!(store);
      const { id } = await store.jobs.create(newJob(), AT);
      await writeAll(store, id);
      await store.whenCommitted();
      expect(await seen(second, id)).toEqual(EVERYTHING);
      const removed = await store.maintenance.deleteEventsBelow(id, 2, 10);
      expect(removed).toBe(1);
      await store.jobs.whenCommitted();
      expect((await second.jobs.events(id, 0, 10)).map((e) => e.seq)).toEqual([2]);
    });

    it.skipIf(!reopen)('commits what is pending on close, node sightings included, for the next store to open', async () => {
      const store = await open();
      const { id } = await store.jobs.create(newJob(), AT);
      await writeAll(store, id);
      store.recordNodeSeen({ name: 'n1', nodeId: 'id-1', tags: ['gpu'], version: '1.2.3', address: '10.0.0.9:1', at: minute(1) });
      await close(store);
      const next = await reopen!(store);
      expect(await seen(next, id)).toEqual(EVERYTHING);
      expect(await next.listKnownNodes()).toEqual([{ name: 'n1', nodeId: 'id-1', tags: ['gpu'], version: '1.2.3', lastAddress: '10.0.0.9:1', firstSeen: minute(1), lastSeen: minute(1) }]);
      expect((await next.jobs.events(id, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    });
  });
}
