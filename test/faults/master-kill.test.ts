import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeProblems } from '../../src/test-support/delivery-audit.js';
import { faultSeed, formatFigures } from '../../src/test-support/fault-figures.js';
import { runKillCycles } from '../../src/test-support/kill-cycles.js';
import { killMasterProcesses } from '../../src/test-support/master-process.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';

afterEach(killMasterProcesses);
afterAll(removeTempDirs);

describe('the master SIGKILLed at random moments mid-stream (short form; `npm run soak` for the long one)', () => {
  it('finishes every job exactly once with every log contiguous: nothing lost, duplicated or re-run', { timeout: 60_000 }, async () => {
    const seed = faultSeed();
    const result = await runKillCycles({
      cycles: 5,
      jobsPerCycle: 6,
      job: { events: 120, batch: 4, everyMs: 10 },
      slots: 4,
      maxKillDelayMs: 300,
      seed,
      timeoutMs: 20_000,
    });
    console.log(`master SIGKILL, seed ${seed} (FAULT_SEED=${seed} replays it):\n${formatFigures([result.figures])}`);
    expect(result.problems, describeProblems(result.problems)).toEqual([]);
    expect(result.figures).toMatchObject({ lostJobs: 0, duplicatedJobs: 0, rerunJobs: 0, lostEvents: 0, duplicatedEvents: 0 });
    expect(result.idleKills, 'kills that found nothing streaming (the jobs are too short for the kill delay)').toBe(0);
  });
});
