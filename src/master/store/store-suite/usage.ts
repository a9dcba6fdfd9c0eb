import { describe, expect, it } from 'vitest';
import type { TokenCount } from '../../../protocol/index.js';
import type { NodeSighting } from '../store.js';
import { settled } from '../unit-of-work.js';
import { AT, minute, newJob, type SuiteContext } from './fixtures.js';

const tokens = (input: number, output: number): TokenCount => ({ input, output, total: input + output });
const ZERO = tokens(0, 0);

/** A node's sighting; one that never said hello (`anonymous`) has no id and no version. */
const sighting = (name: string, at: string, tags: string[] = [], anonymous = false): NodeSighting =>
  anonymous ? { name, nodeId: undefined, tags, version: undefined, address: '10.0.0.1:5', at } : { name, nodeId: `id-${name}`, tags, version: '1.0.0', address: '10.0.0.1:5', at };

export function usageCases({ open }: SuiteContext): void {
  describe('usage', () => {
    it('records a job once, sums by day, user, chat and node over days inclusive, and totals a scope on a day', async () => {
      const store = await open();
      const ids = await Promise.all([1, 2, 3, 4].map(async (i) => (await store.jobs.create(newJob(`j${i}`), AT)).id));
      const [j1, j2, j3, j4] = ids as [number, number, number, number];
      store.usage.record({ jobId: j1, day: '2026-01-01', user: 'telegram:1', chat: 'telegram:-5', node: 'n1', tokens: tokens(10, 5) });
      store.usage.record({ jobId: j2, day: '2026-01-01', user: 'admin', node: 'n1', tokens: tokens(1, 1) });
      store.usage.record({ jobId: j3, day: '2026-01-02', user: 'telegram:1', chat: 'telegram:-5', tokens: tokens(100, 50) });
      store.usage.record({ jobId: j4, day: '2026-01-03', user: 'admin', chat: 'slack:C1', node: 'n2', tokens: tokens(1000, 0) });
      // A job's second record is ignored.
      store.usage.record({ jobId: j1, day: '2026-01-02', user: 'admin', tokens: tokens(9999, 9999) });
      await settled(store.commit());
      expect(await store.usage.sums('day', '2026-01-01', '2026-01-02')).toEqual([
        { key: '2026-01-01', jobs: 2, tokens: tokens(11, 6) },
        { key: '2026-01-02', jobs: 1, tokens: tokens(100, 50) },
      ]);
      // Biggest first; a job without a chat or a node is in no chat's or node's row.
      expect(await store.usage.sums('user', '2026-01-01', '2026-01-03')).toEqual([
        { key: 'admin', jobs: 2, tokens: tokens(1001, 1) },
        { key: 'telegram:1', jobs: 2, tokens: tokens(110, 55) },
      ]);
      expect(await store.usage.sums('chat', '2026-01-01', '2026-01-02')).toEqual([{ key: 'telegram:-5', jobs: 2, tokens: tokens(110, 55) }]);
      expect(await store.usage.sums('node', '2026-01-01', '2026-01-03')).toEqual([
        { key: 'n2', jobs: 1, tokens: tokens(1000, 0) },
        { key: 'n1', jobs: 2, tokens: tokens(11, 6) },
      ]);
      expect(await store.usage.sums('day', '2026-01-04', '2026-01-09')).toEqual([]);
      expect(await store.usage.dayTotal({ kind: 'master' }, '2026-01-01')).toEqual(tokens(11, 6));
      expect(await store.usage.dayTotal({ kind: 'user', key: 'telegram:1' }, '2026-01-01')).toEqual(tokens(10, 5));
      expect(await store.usage.dayTotal({ kind: 'chat', key: 'telegram:-5' }, '2026-01-02')).toEqual(tokens(100, 50));
      expect(await store.usage.dayTotal({ kind: 'user', key: 'nobody' }, '2026-01-01')).toEqual(ZERO);
      expect(await store.usage.dayTotal({ kind: 'master' }, '2026-02-01')).toEqual(ZERO);
    });
  });

  describe('known nodes', () => {
    it('keeps the first and last sighting of each node once flushed', async () => {
      const store = await open();
      expect(await store.listKnownNodes()).toEqual([]);
      store.recordNodeSeen(sighting('a', minute(0), ['x']));
      await store.flush();
      store.recordNodeSeen(sighting('a', minute(1), ['y']));
      store.recordNodeSeen(sighting('c', minute(2), [], true));
      store.recordNodeSeen(sighting('b', minute(3), ['z']));
      await store.flush();
      const known = (await store.listKnownNodes()).sort((x, y) => x.name.localeCompare(y.name));
      expect(known).toEqual([
        { name: 'a', nodeId: 'id-a', tags: ['y'], version: '1.0.0', lastAddress: '10.0.0.1:5', firstSeen: minute(0), lastSeen: minute(1) },
        { name: 'b', nodeId: 'id-b', tags: ['z'], version: '1.0.0', lastAddress: '10.0.0.1:5', firstSeen: minute(3), lastSeen: minute(3) },
        { name: 'c', nodeId: undefined, tags: [], version: undefined, lastAddress: '10.0.0.1:5', firstSeen: minute(2), lastSeen: minute(2) },
      ]);
    });
  });
}
