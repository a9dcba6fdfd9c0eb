import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../store/index.js';
import { JobTimers } from './job-timers.js';
import { NodePool } from './node-pool.js';
import { rolledBack, undo } from './rollback.js';

const at = new Date().toISOString();
function job(id: number, status: JobRecord['status'], node?: string): JobRecord {
  return { id, status, prompt: `job ${id}`, target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, attempt: node ? 1 : 0, createdAt: at, lastSeq: 0, ...(node ? { node, assignedAt: at } : {}) };
}

describe('undoing a lost turn', () => {
  it('frees the slots of lost jobs and lost assignments, and holds slots with a timeout for jobs out again', () => {
    const pool = new NodePool();
    pool.add({ name: 'n1', tags: [], capabilities: { slots: 3, executors: ['echo'], chat: false }, runningJobs: [] });
    const timers = new JobTimers();
    const timedOut: number[] = [];
    // Memory after the lost turn: 1 was assigned, 2 was created and assigned, 3 had finished.
    pool.start('n1', 1);
    pool.start('n1', 2);
    timers.set('timeout', 1, 60_000, () => timedOut.push(1));
    timers.set('timeout', 2, 60_000, () => timedOut.push(2));
    const memory = new Map([
      [1, job(1, 'assigned', 'n1')],
      [2, job(2, 'assigned', 'n1')],
    ]);
    // The store: 1 still queued, 2 never existed, 3 still running on n1.
    const lost = rolledBack(memory, [job(1, 'queued'), job(3, 'running', 'n1')]);
    expect(lost.gone.map((j) => j.id)).toEqual([2]);
    expect(lost.back.map(({ job: j, was }) => [j.id, was?.status])).toEqual([[1, 'assigned'], [3, undefined]]);

    undo(lost, pool, timers, (id) => timedOut.push(id));
    expect(pool.pick({ tags: [] })).toBe('n1');
    expect([1, 2, 3].map((id) => timers.has('timeout', id))).toEqual([false, false, true]);
    // One slot of three is held again (job 3): two jobs more fit, a third does not.
    pool.start('n1', 10);
    pool.start('n1', 11);
    expect(pool.hasFreeSlot()).toBe(false);
    timers.stop();
  });
});
