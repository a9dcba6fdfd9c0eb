import { describe, expect, it } from 'vitest';
import { parseNotification } from './events.js';

const at = { threadId: 't1', turnId: 'u1' };

describe('parseNotification', () => {
  it('turns a notification it does not use into an `other` event', () => {
    expect(parseNotification('thread/status/changed', { threadId: 't1', status: { type: 'idle' } })).toEqual({ threadId: 't1', event: { type: 'other', method: 'thread/status/changed' } });
    expect(parseNotification('account/rateLimits/updated', undefined)).toEqual({ event: { type: 'other', method: 'account/rateLimits/updated' } });
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
