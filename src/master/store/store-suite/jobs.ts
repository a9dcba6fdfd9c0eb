import { describe, expect, it } from 'vitest';
import { JobStatusSchema, type JobResult, type JobStatus, type QuestionState } from '../../../protocol/index.js';
import { withChanges, type NewJob } from '../job-store.js';
import type { Store } from '../store.js';
import { settled } from '../unit-of-work.js';
import { AT, minute, newJob, type SuiteContext } from './fixtures.js';

const ATTACHMENT = { id: 'a'.repeat(64), name: 'shot.png', mime: 'image/png', kind: 'image' as const, bytes: 1234 };

/** A job with every optional field set. */
const fullJob = (continueFrom: number): NewJob => ({
  prompt: 'Fix the "parser" — 한국어 too\nsecond line',
  target: { node: 'n1', tags: ['gpu', 'linux'] },
  repo: 'owner/repo',
  ref: 'main',
  profile: { model: 'gpt-5', sandbox: 'workspace-write', approvalPolicy: 'on-request', reasoningEffort: 'high', approvalTimeoutSec: 30 },
  origin: { kind: 'slack', channel: 'C1', user: 'U1', thread: { ts: '1.5', nested: [1, 'two', null] } },
  continueFrom,
  maxAttempts: 2,
  timeoutSec: 900,
  queueTimeoutSec: 120,
  profileName: 'fast',
  pipeline: { role: 'planner', step: 1, steps: 3, request: 'the request', profile: { model: 'gpt-5' } },
  attachments: [ATTACHMENT],
});

const QUESTION: QuestionState = {
  question: { id: 'a1q1', method: 'item/commandExecution/requestApproval', kind: 'command', command: 'rm -rf build', decisions: ['accept', 'decline'] },
  attempt: 1,
  askedAt: AT,
  deadline: minute(10),
  status: 'answered',
  answer: { decision: 'accept', text: 'go' },
  by: { via: 'dashboard', name: 'admin', at: minute(1) },
};

const RESULT: JobResult = { status: 'succeeded', finalMessage: 'Done.', filesChanged: [{ path: 'src/a.ts', kind: 'update', added: 3, removed: 1 }], commands: [{ command: 'npm test', exitCode: 0 }], durationMs: 61_000, tokens: { input: 10, output: 5, total: 15 }, threadId: 't-1' };

export function jobCases({ open, reopen }: SuiteContext): void {
  describe('jobs: create, get, list, withStatus, update, countByStatus', () => {
    it('creates queued jobs with rising ids, and reads back exactly what create returned', async () => {
      const store = await open();
      const first = await store.jobs.create(newJob('first'), AT);
      expect(first).toStrictEqual({ ...newJob('first'), id: first.id, status: 'queued', attempt: 0, createdAt: AT, lastSeq: 0 });
      expect(await store.jobs.get(first.id)).toStrictEqual(first);
      const full = await store.jobs.create(fullJob(first.id), minute(1));
      expect(full.id).toBeGreaterThan(first.id);
      // A pipeline's first job is its pipeline's id.
      expect(full).toMatchObject({ status: 'queued', attempt: 0, createdAt: minute(1), lastSeq: 0, continueFrom: first.id, pipeline: { id: full.id, role: 'planner' } });
      expect(await store.jobs.get(full.id)).toStrictEqual(full);
      // A later step names its pipeline.
      const step = await store.jobs.create(newJob('step 2', { pipeline: { id: full.id, role: 'coder', step: 2, steps: 3, request: 'r', profile: {} } }), AT);
      expect(step.pipeline).toEqual({ id: full.id, role: 'coder', step: 2, steps: 3, request: 'r', profile: {} });
      expect(await store.jobs.get(step.id)).toStrictEqual(step);
      expect(await store.jobs.get(step.id + 1000)).toBeUndefined();
    });

    it('lists newest first, filtered by status and node, paged by beforeId and limit', async () => {
      const store = await open();
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push((await store.jobs.create(newJob(`j${i}`), AT)).id);
      const [j0, j1, j2, j3, j4, j5] = ids as [number, number, number, number, number, number];
      store.jobs.update(j1, { status: 'running', node: 'n1', attempt: 1 });
      store.jobs.update(j2, { status: 'succeeded', node: 'n1', finishedAt: AT });
      store.jobs.update(j4, { status: 'running', node: 'n2', attempt: 1 });
      store.jobs.update(j5, { status: 'running', node: 'n1', attempt: 1 });
      await settled(store.commit());
      const listed = async (filter: Parameters<typeof store.jobs.list>[0]) => (await store.jobs.list(filter)).map((job) => job.id);
      expect(await listed({ limit: 10 })).toEqual([j5, j4, j3, j2, j1, j0]);
      expect(await listed({ limit: 2 })).toEqual([j5, j4]);
      expect(await listed({ limit: 2, beforeId: j4 })).toEqual([j3, j2]);
      expect(await listed({ limit: 10, status: 'running' })).toEqual([j5, j4, j1]);
      expect(await listed({ limit: 10, node: 'n1' })).toEqual([j5, j2, j1]);
      expect(await listed({ limit: 10, status: 'running', node: 'n1' })).toEqual([j5, j1]);
      expect(await listed({ limit: 1, status: 'running', node: 'n1', beforeId: j5 })).toEqual([j1]);
      expect(await listed({ limit: 10, status: 'lost' })).toEqual([]);
      expect((await store.jobs.list({ limit: 1, status: 'succeeded' }))[0]).toStrictEqual(await store.jobs.get(j2));
    });

    it('lists and pages by creation, newest first, also where the ids of two masters on the database interleave', async () => {
      const store = await open();
      // A second master on the database; PostgreSQL's ids come from a block of its own (see `JobIds`).
      const other = reopen ? await reopen(store) : store;
      const made = async (on: Store, prompt: string, at: string) => {
        const { id } = await on.jobs.create(newJob(prompt), at);
        await settled(on.commit());
        return id;
      };
      // Made in this order, a minute apart, in turn on each master.
      const ids = [];
      for (const [i, on] of [store, other, store, other, store].entries()) ids.push(await made(on, `j${i}`, minute(i)));
      const [a1, b1, a2, b2, a3] = ids as [number, number, number, number, number];
      for (const id of [b1, a2, a3]) store.jobs.update(id, { status: 'running', node: 'n1', attempt: 1 });
      await settled(store.commit());
      const listed = async (filter: Parameters<typeof store.jobs.list>[0]) => (await store.jobs.list(filter)).map((job) => job.id);
      expect(await listed({ limit: 10 })).toEqual([a3, b2, a2, b1, a1]);
      expect((await other.jobs.list({ limit: 10 })).map((job) => job.id)).toEqual([a3, b2, a2, b1, a1]);
      expect([await listed({ limit: 2 }), await listed({ limit: 2, beforeId: b2 }), await listed({ limit: 2, beforeId: b1 })]).toEqual([[a3, b2], [a2, b1], [a1]]);
      expect(await listed({ limit: 10, status: 'running', beforeId: a3 })).toEqual([a2, b1]);
      expect(await listed({ limit: 1, node: 'n1', beforeId: a2 })).toEqual([b1]);
      expect((await store.jobs.withStatus(['queued', 'running'])).map((job) => job.id)).toEqual([a1, b1, a2, b2, a3]);
      // A page after a job that is gone (retention) starts at the stored job with the next smaller id.
      expect(await store.maintenance.deleteJob(a2)).toBe(true);
      await settled(store.commit());
      const below = Math.max(...[a1, b1, b2, a3].filter((id) => id < a2));
      const all = await listed({ limit: 10 });
      expect(await listed({ limit: 10, beforeId: a2 })).toEqual(all.slice(all.indexOf(below)));
    });

    it('gives the jobs in any of some states oldest first', async () => {
      const store = await open();
      const [a, b, c, d] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT), await store.jobs.create(newJob('c'), AT), await store.jobs.create(newJob('d'), AT)];
      store.jobs.update(b.id, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: AT });
      store.jobs.update(c.id, { status: 'failed', finishedAt: AT, error: 'boom' });
      store.jobs.update(d.id, { status: 'running', node: 'n1', attempt: 1 });
      const ids = async (statuses: JobStatus[]) => (await store.jobs.withStatus(statuses)).map((job) => job.id);
      expect(await ids(['queued', 'assigned', 'running'])).toEqual([a.id, b.id, d.id]);
      expect(await ids(['running', 'queued'])).toEqual([a.id, d.id]);
      expect(await ids(['failed'])).toEqual([c.id]);
      expect(await ids(['lost'])).toEqual([]);
      expect((await store.jobs.withStatus(['assigned']))[0]).toStrictEqual(withChanges(b, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: AT }));
    });

    it('applies changes as withChanges says, null clearing a field, JSON fields kept whole', async () => {
      const store = await open();
      const created = await store.jobs.create(newJob('c', { repo: 'o/r', ref: 'main', target: { node: 'n1', tags: ['gpu'] } }), AT);
      const assigned = withChanges(created, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: minute(1) });
      store.jobs.update(created.id, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: minute(1) });
      expect(await store.jobs.get(created.id)).toStrictEqual(assigned);
      const running = withChanges(assigned, { status: 'running', startedAt: minute(2), questions: [QUESTION], error: 'a warning' });
      store.jobs.update(created.id, { status: 'running', startedAt: minute(2), questions: [QUESTION], error: 'a warning' });
      expect(await store.jobs.get(created.id)).toStrictEqual(running);
      const requeued = withChanges(running, { status: 'queued', node: null, assignedAt: null, startedAt: null, error: null });
      store.jobs.update(created.id, { status: 'queued', node: null, assignedAt: null, startedAt: null, error: null });
      expect(await store.jobs.get(created.id)).toStrictEqual(requeued);
      const done = withChanges(requeued, { status: 'succeeded', finishedAt: minute(3), result: RESULT, attempt: 2 });
      store.jobs.update(created.id, { status: 'succeeded', finishedAt: minute(3), result: RESULT, attempt: 2 });
      store.jobs.update(created.id, {});
      // An id that is not stored: nothing to change, nothing thrown.
      store.jobs.update(created.id + 1000, { status: 'lost' });
      await settled(store.commit());
      expect(await store.jobs.get(created.id)).toStrictEqual(done);
      expect(await store.jobs.get(created.id + 1000)).toBeUndefined();
    });

    it("applies a turn's writes in the order they were made, however they interleave", async () => {
      const store = await open();
      const [a, b] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT)];
      await settled(store.commit());
      // One turn, nothing read in between: a job made, changed and given events; two jobs changed twice each.
      const c = await store.jobs.create(newJob('c'), minute(1));
      store.jobs.update(c.id, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: minute(1) });
      store.jobs.appendEvents(c.id, [{ seq: 1, at: AT, event: { kind: 'started', executor: 'raw' } }]);
      store.jobs.update(a.id, { status: 'assigned', node: 'n1', attempt: 1, assignedAt: minute(1) });
      store.jobs.update(b.id, { status: 'assigned', node: 'n2', attempt: 1, assignedAt: minute(1) });
      store.jobs.update(a.id, { status: 'cancelled', finishedAt: minute(2), error: 'cancelled' });
      store.jobs.update(c.id, { status: 'running', startedAt: minute(2) });
      store.jobs.update(b.id, { status: 'queued', node: null, assignedAt: null });
      await settled(store.commit());
      expect(await store.jobs.get(a.id)).toStrictEqual(withChanges(a, { status: 'cancelled', node: 'n1', attempt: 1, assignedAt: minute(1), finishedAt: minute(2), error: 'cancelled' }));
      expect(await store.jobs.get(b.id)).toStrictEqual(withChanges(b, { attempt: 1 }));
      expect(await store.jobs.get(c.id)).toStrictEqual({ ...withChanges(c, { status: 'running', node: 'n1', attempt: 1, assignedAt: minute(1), startedAt: minute(2) }), lastSeq: 1 });
    });

    it('counts the jobs in every state, each state named even when none is in it', async () => {
      const store = await open();
      const zero = Object.fromEntries(JobStatusSchema.options.map((status) => [status, 0]));
      expect(await store.jobs.countByStatus()).toEqual(zero);
      const jobs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((prompt) => store.jobs.create(newJob(prompt), AT)));
      store.jobs.update(jobs[0]!.id, { status: 'succeeded', finishedAt: AT });
      store.jobs.update(jobs[1]!.id, { status: 'failed', finishedAt: AT });
      store.jobs.update(jobs[2]!.id, { status: 'running', node: 'n', attempt: 1 });
      store.jobs.update(jobs[3]!.id, { status: 'succeeded', finishedAt: AT });
      expect(await store.jobs.countByStatus()).toEqual({ ...zero, queued: 1, running: 1, succeeded: 2, failed: 1 });
    });
  });
}
