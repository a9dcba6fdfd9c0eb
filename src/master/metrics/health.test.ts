import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../protocol/index.js';
import { StoreCommitError } from '../store/index.js';
import { Health, STORE_ERROR_WINDOW_MS } from './health.js';

const node = (status: NodeInfo['status']): NodeInfo => ({
  id: 'c1',
  name: 'n1',
  tags: [],
  status,
  address: '127.0.0.1',
  capabilities: { slots: 1, executors: ['echo'], chat: true },
  connectedAt: '2026-01-01T00:00:00.000Z',
  lastActivity: '2026-01-01T00:00:00.000Z',
});

/** A store whose commit failures the test raises itself. */
function failingStore() {
  let listener: ((error: Error) => void) | undefined;
  return {
    onCommitFailed: (l: (error: Error) => void) => ((listener = l), () => undefined),
    fail: (message: string) => listener?.(new StoreCommitError(`the store could not commit: ${message}`, { cause: new Error(message) })),
  };
}

describe('Health', () => {
  it('is degraded while no node is online: none, or only unresponsive ones', () => {
    let nodes: NodeInfo[] = [];
    const health = new Health(() => nodes, failingStore());
    expect(health.report()).toEqual({ status: 'degraded', degraded: ['no node online'] });
    nodes = [node('unresponsive')];
    expect(health.report()).toEqual({ status: 'degraded', degraded: ['no node online'] });
    nodes = [node('unresponsive'), node('online')];
    expect(health.report()).toEqual({ status: 'ok', degraded: [] });
  });

  it('says when a commit failed and why, in SQLite\'s words, for ten minutes', () => {
    let now = Date.parse('2026-03-01T12:00:00.000Z');
    const store = failingStore();
    const health = new Health(() => [node('online')], store, () => now);
    store.fail('database or disk is full');
    expect(health.report()).toEqual({ status: 'degraded', degraded: ['store commit failed 2026-03-01T12:00:00.000Z: database or disk is full'] });
    now += STORE_ERROR_WINDOW_MS - 1;
    expect(health.report().status).toBe('degraded');
    now += 1;
    expect(health.report()).toEqual({ status: 'ok', degraded: [] });
  });
});
