import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../protocol/index.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { SqliteStore } from './sqlite-store.js';
import { command, delta, jobWith, message } from './store-suite/fixtures.js';

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(removeTempDirs);

function openStore(): SqliteStore {
  const store = new SqliteStore(tempDir());
  stores.push(store);
  return store;
}

describe('SqliteJobLog on a 200 000-event job', () => {
  it('reads the newest folded page, an older one and a search fast', async () => {
    const store = openStore();
    const kinds = (i: number): JobEvent =>
      i % 10 < 5
        ? delta(`word${i} `)
        : i % 10 === 5
          ? message(`message ${i} done`)
          : i % 10 < 8
            ? command(`cat file-${i}.txt`)
            : { kind: 'command_finished', command: `cat file-${i}.txt`, exitCode: 0, output: `line one of ${i}\nline two` };
    const events = Array.from({ length: 200_000 }, (_, i) => kinds(i));
    events.push(delta('typing'));
    const id = await jobWith(store, events);
    const time = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
      const start = performance.now();
      const value = await run();
      return { ms: performance.now() - start, value };
    };
    const newest = await time(() => store.jobs.logs.page(id, { before: 200_002, limit: 200, fold: true }));
    const middle = await time(() => store.jobs.logs.page(id, { before: 100_000, limit: 1000, fold: true }));
    const hit = await time(() => store.jobs.logs.search(id, { text: 'FILE-12346.TXT', limit: 100, fold: true }));
    const miss = await time(() => store.jobs.logs.search(id, { text: 'no such text', limit: 100, fold: true }));
    console.log(
      `200k events: newest folded page ${newest.ms.toFixed(1)} ms, middle page ${middle.ms.toFixed(1)} ms, ` +
        `search (1 hit) ${hit.ms.toFixed(1)} ms, search (no hit, whole log) ${miss.ms.toFixed(1)} ms`,
    );
    expect(newest.value.events).toHaveLength(200);
    expect(newest.value.events.at(-1)).toMatchObject({ seq: 200_001, event: { kind: 'agent_message_delta' } });
    expect(middle.value.events.every((e) => e.event.kind !== 'agent_message_delta')).toBe(true);
    expect(hit.value.map((m) => m.seq)).toEqual([12347]);
    expect(miss.value).toEqual([]);
    // Generous bounds for a loaded machine; the figures printed are what to compare.
    expect(newest.ms + middle.ms).toBeLessThan(500);
    expect(miss.ms).toBeLessThan(2_000);
  }, 60_000);
});
