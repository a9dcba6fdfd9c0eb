import { describe, expect, it } from 'vitest';
import { parseNotification } from './events.js';
import { describePlan, describeRateLimit, isRateLimited } from './turn-notices.js';

const at = { threadId: 't1', turnId: 'u1' };

describe('parseNotification', () => {
  it('turns a notification it does not use into an `other` event', () => {
    expect(parseNotification('thread/status/changed', { threadId: 't1', status: { type: 'idle' } })).toEqual({ threadId: 't1', event: { type: 'other', method: 'thread/status/changed' } });
    expect(parseNotification('thread/compacted', undefined)).toEqual({ event: { type: 'other', method: 'thread/compacted' } });
  });

  it('turns a known notification of an unexpected shape into `other` and says why', () => {
    const routed = parseNotification('item/completed', { ...at, item: { type: 'agentMessage', id: 'm1' } });
    expect(routed.event).toEqual({ type: 'other', method: 'item/completed' });
    expect(routed.malformed).toBeInstanceOf(Error);
  });

  it('counts lines of added, updated and deleted files', () => {
    const item = {
      type: 'fileChange',
      id: 'f1',
      status: 'completed',
      changes: [
        { path: '/w/new.txt', kind: { type: 'add' }, diff: 'a\nb\nc\n' },
        { path: '/w/old.txt', kind: { type: 'update', move_path: '/w/moved.txt' }, diff: '@@ -1,3 +1,3 @@\n-a\n+A\n+B\n--x\n c\n' },
        { path: '/w/gone.txt', kind: { type: 'delete' }, diff: 'z' },
      ],
    };
    expect(parseNotification('item/completed', { ...at, item }).event).toEqual({
      type: 'file_change',
      itemId: 'f1',
      status: 'completed',
      changes: [
        { path: '/w/new.txt', kind: 'add', diff: 'a\nb\nc\n', added: 3, removed: 0 },
        { path: '/w/old.txt', kind: 'update', movePath: '/w/moved.txt', diff: '@@ -1,3 +1,3 @@\n-a\n+A\n+B\n--x\n c\n', added: 2, removed: 2 },
        { path: '/w/gone.txt', kind: 'delete', diff: 'z', added: 0, removed: 1 },
      ],
    });
  });

  it('keeps the error message and names the error category', () => {
    const error = { message: 'stream disconnected', codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: 502 } } };
    expect(parseNotification('error', { ...at, error, willRetry: true }).event).toEqual({ type: 'error', message: 'stream disconnected', code: 'responseStreamDisconnected', willRetry: true });
    const turn = { id: 'u1', status: 'failed', error: { message: 'boom', codexErrorInfo: null } };
    expect(parseNotification('turn/completed', { threadId: 't1', turn }).event).toEqual({ type: 'turn_completed', status: 'failed', error: 'boom' });
  });
});

describe('the notices of 2026 releases', () => {
  it('maps a plan, the running diff, the rate limits and a model reroute', () => {
    const ids = { threadId: 't1', turnId: 'u1' };
    expect(parseNotification('turn/plan/updated', { ...ids, explanation: 'two steps', plan: [{ step: 'read', status: 'completed' }, { step: 'write', status: 'inProgress' }] }).event).toEqual({
      type: 'plan',
      explanation: 'two steps',
      steps: [{ step: 'read', status: 'completed' }, { step: 'write', status: 'inProgress' }],
    });
    expect(parseNotification('turn/diff/updated', { ...ids, diff: 'diff --git a/x b/x' }).event).toEqual({ type: 'turn_diff', diff: 'diff --git a/x b/x' });
    const limits = parseNotification('account/rateLimits/updated', { rateLimits: { limitId: 'codex', primary: { usedPercent: 100, windowDurationMins: 300, resetsAt: 1796148907 }, secondary: null, rateLimitReachedType: null } });
    expect(limits).toEqual({ event: { type: 'rate_limits', primary: { usedPercent: 100, windowMinutes: 300, resetsAt: 1796148907 } } });
    expect(parseNotification('model/rerouted', { ...ids, fromModel: 'gpt-5.5', toModel: 'gpt-5.5-mini', reason: 'highRiskCyberActivity' }).event).toEqual({ type: 'model_rerouted', fromModel: 'gpt-5.5', toModel: 'gpt-5.5-mini', reason: 'highRiskCyberActivity' });
  });

  it('words a plan as checklist lines and a limit with its window and reset time', () => {
    expect(describePlan({ type: 'plan', steps: [{ step: 'read', status: 'completed' }, { step: 'write', status: 'inProgress' }, { step: 'test', status: 'pending' }] })).toBe('Plan\n[x] read\n[>] write\n[ ] test');
    const limited = { type: 'rate_limits' as const, primary: { usedPercent: 100, windowMinutes: 300, resetsAt: Date.UTC(2026, 11, 1, 18, 15) / 1000 } };
    expect(isRateLimited(limited)).toBe(true);
    expect(describeRateLimit(limited)).toBe('Codex is rate limited: 100% of the 300-minute window used, resets 18:15 UTC; the job waits for Codex, it is not stuck.');
    expect(isRateLimited({ type: 'rate_limits', primary: { usedPercent: 99, windowMinutes: 300, resetsAt: null } })).toBe(false);
    expect(isRateLimited({ type: 'rate_limits', reached: 'workspace_member_usage_limit_reached' })).toBe(true);
  });
});
