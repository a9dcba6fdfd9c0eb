import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCreateBursts } from '../../src/test-support/create-bursts.js';
import { describeProblems } from '../../src/test-support/delivery-audit.js';
import { faultSeed, formatFigures } from '../../src/test-support/fault-figures.js';
import { killMasterProcesses } from '../../src/test-support/master-process.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';

afterEach(killMasterProcesses);
afterAll(removeTempDirs);

describe('the master SIGKILLed during bursts of POST /api/jobs with Idempotency-Key, clients retrying (short form)', () => {
  it('makes exactly one job per key, the one its client was answered with', { timeout: 60_000 }, async () => {
    const seed = faultSeed();
    const result = await runCreateBursts({ cycles: 3, keysPerCycle: 120, concurrency: 24, seed, timeoutMs: 20_000 });
    console.log(`idempotent creates, seed ${seed} (FAULT_SEED=${seed} replays it):\n${formatFigures([result.figures])}`);
    expect(result.problems, describeProblems(result.problems)).toEqual([]);
    expect(result.figures).toMatchObject({ lostJobs: 0, duplicatedJobs: 0 });
  });
});
