/**
 * The fault suite's long form (`npm run soak`): the same scenarios as test/faults/*.test.ts with
 * far more cycles, jobs and events, and one table of figures at the end. It exits 1 if any
 * scenario lost, doubled or re-ran anything. SOAK_CYCLES scales the kill cycles (default 50);
 * FAULT_SEED replays a run; SOAK_ONLY=kill,proxy,creates picks scenarios.
 */
import { runCreateBursts } from '../../src/test-support/create-bursts.js';
import { describeProblems } from '../../src/test-support/delivery-audit.js';
import { faultSeed, formatFigures, type FaultFigures } from '../../src/test-support/fault-figures.js';
import { runKillCycles } from '../../src/test-support/kill-cycles.js';
import { killMasterProcesses } from '../../src/test-support/master-process.js';
import { runProxyFaults } from '../../src/test-support/proxy-faults.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';

interface Outcome {
  figures: FaultFigures;
  problems: string[];
}

const cycles = Number(process.env.SOAK_CYCLES ?? 50);
const only = new Set((process.env.SOAK_ONLY ?? 'kill,proxy,creates').split(','));
const log = (line: string): void => console.log(`  ${line}`);

const SCENARIOS: Array<[string, (seed: number) => Promise<Outcome>]> = [
  [
    'kill',
    async (seed) => {
      const result = await runKillCycles({ cycles, jobsPerCycle: 8, job: { events: 250, batch: 5, everyMs: 10 }, slots: 8, maxKillDelayMs: 400, seed, timeoutMs: 60_000, log });
      const idle = result.idleKills > 0 ? [`${result.idleKills} kills found nothing streaming`] : [];
      return { figures: result.figures, problems: [...result.problems, ...idle] };
    },
  ],
  ['proxy', (seed) => runProxyFaults({ rounds: cycles, jobs: 30, job: { events: 600, batch: 2, everyMs: 10 }, slots: 3, seed, timeoutMs: 60_000, log })],
  ['creates', (seed) => runCreateBursts({ cycles: Math.max(1, Math.round(cycles / 2)), keysPerCycle: 400, concurrency: 40, seed, timeoutMs: 60_000, log })],
];

async function main(): Promise<number> {
  const seed = faultSeed();
  console.log(`soak: ${cycles} cycles, seed ${seed} (FAULT_SEED=${seed} replays it)`);
  const rows: FaultFigures[] = [];
  let failed = false;
  for (const [name, run] of SCENARIOS.filter(([scenario]) => only.has(scenario))) {
    console.log(`${name}:`);
    const { figures, problems } = await run(seed);
    rows.push(figures);
    if (problems.length > 0) {
      failed = true;
      console.log(`${name}: ${describeProblems(problems, 30)}`);
    }
  }
  console.log(`\n${formatFigures(rows)}`);
  return failed ? 1 : 0;
}

process.on('exit', killMasterProcesses);
main()
  .then((code) => (process.exitCode = code))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(removeTempDirs);
