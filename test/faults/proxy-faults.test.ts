import { afterAll, describe, expect, it } from 'vitest';
import { describeProblems } from '../../src/test-support/delivery-audit.js';
import { faultSeed, formatFigures } from '../../src/test-support/fault-figures.js';
import { PROXY_FAULTS, runProxyFaults } from '../../src/test-support/proxy-faults.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';

afterAll(removeTempDirs);

describe('node ↔ master connections cut, stalled and delayed by a proxy mid-stream (short form)', () => {
  it('loses no event and doubles none', { timeout: 60_000 }, async () => {
    const seed = faultSeed();
    const result = await runProxyFaults({ rounds: 10, jobs: 6, job: { events: 300, batch: 2, everyMs: 10 }, slots: 2, seed, timeoutMs: 15_000 });
    console.log(`proxy faults, seed ${seed} (FAULT_SEED=${seed} replays it):\n${formatFigures([result.figures])}`);
    expect(result.problems, describeProblems(result.problems)).toEqual([]);
    expect(result.figures).toMatchObject({ lostJobs: 0, duplicatedJobs: 0, rerunJobs: 0, lostEvents: 0, duplicatedEvents: 0 });
    expect(result.figures.cycles, 'faults injected mid-stream (at least one of each kind)').toBeGreaterThanOrEqual(PROXY_FAULTS.length);
  });
});
