import { describe, expect, it } from 'vitest';
import { LOG_STATE } from '../job-maintenance.js';
import { settled } from '../unit-of-work.js';
import { AT, command, delta, endedJob, jobWith, message, minute, newJob, started, type SuiteContext } from './fixtures.js';

export function maintenanceCases({ open }: SuiteContext): void {
  describe('maintenance', () => {
    it('walks finished jobs that ended before a time, by end then id, from a cursor, with their log state', async () => {
      const store = await open();
      // Made first, ended last: the walk goes by end, not by id.
      const j4 = await endedJob(store, minute(3), 'lost');
      const j1 = await endedJob(store, minute(1));
      const j2 = await endedJob(store, minute(2), 'failed');
      const j3 = await endedJob(store, minute(2), 'cancelled');
      await endedJob(store, minute(5));
      const { id: running } = await store.jobs.create(newJob('running'), AT);
      store.jobs.update(running, { status: 'running', node: 'n', attempt: 1 });
      await store.jobs.create(newJob('queued'), AT);
      const ended = (id: number, finishedAt: string, logState: number = LOG_STATE.whole) => ({ id, finishedAt, logState });
      const all = [ended(j1, minute(1)), ended(j2, minute(2)), ended(j3, minute(2)), ended(j4, minute(3))];
      expect(await store.maintenance.endedBefore(minute(5), undefined, 10)).toEqual(all);
      expect(await store.maintenance.endedBefore(minute(5), undefined, 2)).toEqual(all.slice(0, 2));
      expect(await store.maintenance.endedBefore(minute(5), { id: j2, finishedAt: minute(2) }, 10)).toEqual(all.slice(2));
      expect(await store.maintenance.endedBefore(minute(5), { id: j4, finishedAt: minute(3) }, 10)).toEqual([]);
      expect(await store.maintenance.endedBefore(minute(2), undefined, 10)).toEqual(all.slice(0, 1));
      store.maintenance.setLogState(j1, LOG_STATE.folded);
      store.maintenance.setLogState(j2, LOG_STATE.pruned);
      await settled(store.maintenance.commit());
      expect(await store.maintenance.endedBefore(minute(5), undefined, 2)).toEqual([ended(j1, minute(1), LOG_STATE.folded), ended(j2, minute(2), LOG_STATE.pruned)]);
    });

    it("reads a job's last seq and its events' kinds below a seq, newest first", async () => {
      const store = await open();
      const id = await jobWith(store, [started, delta('a'), delta('b'), message('ab'), command('ls'), message('done')]);
      const empty = await jobWith(store, []);
      expect(await store.maintenance.lastSeq(id)).toBe(6);
      expect(await store.maintenance.lastSeq(empty)).toBe(0);
      expect(await store.maintenance.eventKinds(id, 5, 3)).toEqual([
        { seq: 4, kind: 'agent_message' },
        { seq: 3, kind: 'agent_message_delta' },
        { seq: 2, kind: 'agent_message_delta' },
      ]);
      expect(await store.maintenance.eventKinds(id, 2, 10)).toEqual([{ seq: 1, kind: 'started' }]);
      expect(await store.maintenance.eventKinds(id, 1, 10)).toEqual([]);
    });

    it('deletes events at seqs and the oldest below a seq, saying how many there were', async () => {
      const store = await open();
      const id = await jobWith(store, Array.from({ length: 10 }, (_, i) => message(`m${i + 1}`)));
      const other = await jobWith(store, [message('kept')]);
      const seqs = async () => (await store.jobs.events(id, 0, 100)).map((e) => e.seq);
      expect(await store.maintenance.deleteEventsAt(id, [2, 4, 99])).toBe(2);
      expect(await store.maintenance.deleteEventsAt(id, [])).toBe(0);
      expect(await store.maintenance.deleteEventsAt(id, [2])).toBe(0);
      expect(await seqs()).toEqual([1, 3, 5, 6, 7, 8, 9, 10]);
      expect(await store.maintenance.deleteEventsBelow(id, 8, 2)).toBe(2);
      expect(await seqs()).toEqual([5, 6, 7, 8, 9, 10]);
      expect(await store.maintenance.deleteEventsBelow(id, 7, 100)).toBe(2);
      expect(await store.maintenance.deleteEventsBelow(id, 7, 100)).toBe(0);
      await settled(store.maintenance.commit());
      expect(await seqs()).toEqual([7, 8, 9, 10]);
      expect(await store.maintenance.lastSeq(id)).toBe(10);
      expect((await store.jobs.events(other, 0, 10)).map((e) => e.seq)).toEqual([1]);
    });

    it('forgets Idempotency-Keys made before a time, at most limit at a time', async () => {
      const store = await open();
      const { id } = await store.jobs.create(newJob(), AT);
      for (const [key, at] of [['old1', 0], ['old2', 1], ['old3', 2], ['new', 10]] as const) store.jobs.saveIdempotencyKey(key, { jobId: id, fingerprint: key, createdAt: minute(at) });
      expect(await store.maintenance.deleteKeysBefore(minute(5), 2)).toBe(2);
      expect(await store.maintenance.deleteKeysBefore(minute(5), 2)).toBe(1);
      expect(await store.maintenance.deleteKeysBefore(minute(5), 2)).toBe(0);
      await settled(store.maintenance.commit());
      for (const key of ['old1', 'old2', 'old3']) expect(await store.jobs.idempotencyKey(key)).toBeUndefined();
      expect(await store.jobs.idempotencyKey('new')).toMatchObject({ jobId: id });
    });

    it('deletes a finished job with its keys, unlinking the finished jobs that continued it, and keeps one an unfinished job continues', async () => {
      const store = await open();
      const first = await jobWith(store, [message('first')]);
      store.jobs.update(first, { status: 'succeeded', finishedAt: minute(1) });
      store.jobs.saveIdempotencyKey('first-key', { jobId: first, fingerprint: 'f', createdAt: minute(0) });
      store.usage.record({ jobId: first, day: '2026-01-01', user: 'admin', tokens: { input: 1, output: 2, total: 3 } });
      const follow = (await store.jobs.create(newJob('follow-up', { continueFrom: first }), minute(2))).id;
      store.jobs.update(follow, { status: 'running', node: 'n', attempt: 1 });
      const alone = await endedJob(store, minute(1));
      expect(await store.maintenance.continuedByUnfinished(first)).toBe(true);
      expect(await store.maintenance.continuedByUnfinished(alone)).toBe(false);
      expect(await store.maintenance.deleteEventsBelow(first, 2, 10)).toBe(1);
      expect(await store.maintenance.deleteJob(first)).toBe(false);
      expect(await store.jobs.get(first)).toMatchObject({ id: first, status: 'succeeded' });
      // Once the follow-up has finished too, nothing holds the job back.
      store.jobs.update(follow, { status: 'succeeded', finishedAt: minute(3) });
      expect(await store.maintenance.continuedByUnfinished(first)).toBe(false);
      expect(await store.maintenance.deleteJob(first)).toBe(true);
      expect(await store.maintenance.deleteJob(alone)).toBe(true);
      expect(await store.maintenance.deleteJob(alone)).toBe(false);
      await settled(store.maintenance.commit());
      expect(await store.jobs.get(first)).toBeUndefined();
      expect(await store.jobs.get(alone)).toBeUndefined();
      expect(await store.jobs.idempotencyKey('first-key')).toBeUndefined();
      const kept = await store.jobs.get(follow);
      expect(kept).toMatchObject({ id: follow, status: 'succeeded' });
      expect(kept).not.toHaveProperty('continueFrom');
      // Usage outlives its jobs: budgets and reports still count it.
      expect(await store.usage.dayTotal({ kind: 'master' }, '2026-01-01')).toEqual({ input: 1, output: 2, total: 3 });
    });
  });
}
