import { describe, expect, it } from 'vitest';
import type { JobStatus, QuestionState } from '../../protocol/index.js';
import type { JobRecord } from '../store/index.js';
import { JobMetrics, type JobFigures } from './job-metrics.js';

const CREATED = '2026-01-01T00:00:00.000Z';

function job(id: number, status: JobStatus, extra: Partial<JobRecord> = {}): JobRecord {
  return { id, status, prompt: 'p', target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, attempt: 1, createdAt: CREATED, lastSeq: 0, ...extra };
}

function question(id: string, status: QuestionState['status'], answeredAt?: string): QuestionState {
  return {
    question: { kind: 'command', id, method: 'item/commandExecution/requestApproval', command: 'npm test', decisions: ['accept', 'decline'] },
    attempt: 1,
    askedAt: CREATED,
    deadline: '2026-01-01T00:10:00.000Z',
    status,
    ...(answeredAt === undefined ? {} : { answer: { decision: 'accept' }, by: { via: 'api', at: answeredAt } }),
  };
}

function recorder(): { figures: JobFigures; seen: Record<string, unknown[]> } {
  const seen: Record<string, unknown[]> = { dispatched: [], finished: [], events: [], approval: [] };
  return {
    seen,
    figures: {
      dispatched: (s) => seen.dispatched?.push(s),
      finished: (status, s) => seen.finished?.push([status, s]),
      eventsIngested: (n) => seen.events?.push(n),
      approvalWaited: (s) => seen.approval?.push(s),
    },
  };
}

describe('JobMetrics', () => {
  it('counts a job\'s first assignment and its end once, whatever updates come before and after', () => {
    const { figures, seen } = recorder();
    const metrics = new JobMetrics(figures, []);
    metrics.onUpdate({ job: job(1, 'queued', { attempt: 0 }), events: [] });
    metrics.onUpdate({ job: job(1, 'assigned', { assignedAt: CREATED }), events: [] });
    metrics.onUpdate({ job: job(1, 'running', { assignedAt: CREATED }), events: [] });
    // Re-queued and assigned again: still one dispatch.
    metrics.onUpdate({ job: job(1, 'queued'), events: [] });
    metrics.onUpdate({ job: job(1, 'assigned', { attempt: 2, assignedAt: CREATED }), events: [] });
    metrics.onUpdate({ job: job(1, 'succeeded', { attempt: 2, finishedAt: CREATED }), events: [] });
    // A publication stored into the finished job's result afterwards.
    metrics.onUpdate({ job: job(1, 'succeeded', { attempt: 2, finishedAt: CREATED }), events: [] });
    expect(seen.dispatched).toHaveLength(1);
    expect(seen.finished).toEqual([['succeeded', expect.any(Number)]]);
  });

  it('does not count the first assignment of a job that was already out when the master started, but its end', () => {
    const { figures, seen } = recorder();
    const metrics = new JobMetrics(figures, [job(7, 'running', { assignedAt: CREATED }), job(8, 'queued', { attempt: 0 })]);
    metrics.onUpdate({ job: job(7, 'failed', { finishedAt: CREATED }), events: [] });
    metrics.onUpdate({ job: job(8, 'assigned', { assignedAt: CREATED }), events: [] });
    expect(seen.finished).toEqual([['failed', expect.any(Number)]]);
    expect(seen.dispatched).toHaveLength(1);
  });

  it('counts each answered question\'s wait once, from its ask to its answer, and no moot one', () => {
    const { figures, seen } = recorder();
    const metrics = new JobMetrics(figures, []);
    const running = (questions: QuestionState[]) => metrics.onUpdate({ job: job(3, 'running', { assignedAt: CREATED, questions }), events: [] });
    running([question('a1q1', 'pending'), question('a1q2', 'pending')]);
    running([question('a1q1', 'answered', '2026-01-01T00:00:30.000Z'), question('a1q2', 'pending')]);
    running([question('a1q1', 'answered', '2026-01-01T00:00:30.000Z'), question('a1q2', 'pending')]);
    metrics.onUpdate({ job: job(3, 'cancelled', { finishedAt: CREATED, questions: [question('a1q1', 'answered', '2026-01-01T00:00:30.000Z'), question('a1q2', 'moot')] }), events: [] });
    expect(seen.approval).toEqual([30]);
  });

  it('counts the events each update stored', () => {
    const { figures, seen } = recorder();
    const metrics = new JobMetrics(figures, []);
    const event = (seq: number) => ({ seq, at: CREATED, event: { kind: 'log' as const, level: 'info' as const, message: 'x' } });
    metrics.onUpdate({ job: job(4, 'running', { assignedAt: CREATED }), events: [event(1), event(2)] });
    metrics.onUpdate({ job: job(4, 'running', { assignedAt: CREATED }), events: [] });
    metrics.onUpdate({ job: job(4, 'succeeded', { finishedAt: CREATED }), events: [event(3)] });
    expect(seen.events).toEqual([2, 1]);
  });
});
