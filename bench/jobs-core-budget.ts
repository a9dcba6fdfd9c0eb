/**
 * Where the machine's cores went in the throughput runs of `postgres` and `postgres2`, printed under
 * that table when both ran. A second master adds jobs/s only if a core is free for it, and on a
 * small machine the masters, PostgreSQL and the client (nodes, load generator) share the same few,
 * with whatever else runs there: the note says which of those bounded postgres2/postgres.
 */
import { SHARED_MASTER_NAMES, type PipelineKind } from './jobs-pipelines.js';
import type { JobsResults } from './jobs-report.js';
import type { BenchRun } from './jobs-server-cpu.js';
import type { ThroughputResult } from './jobs-spec.js';
import { formatRate } from './report.js';
import { median } from './stats.js';

/** A pipeline's cores busy (jobs/s × CPU per job), medians over its runs, by part. */
interface CoreUse {
  jobsPerSec: number;
  total: number;
  parts: Array<[string, number]>;
  client: number;
  /** Busy machine-wide (/proc/stat), other work included. */
  machine: number;
}

/** Past this share of the machine's cores (or of the client's one thread) a part counts as saturated. */
const FULL = 0.9;

function coresOf(runs: readonly BenchRun[] | undefined): CoreUse | undefined {
  const throughput = (runs ?? []).filter((r): r is ThroughputResult & BenchRun => r.kind === 'throughput');
  if (throughput.length === 0) return undefined;
  const cores = (us: (r: ThroughputResult & BenchRun) => number): number => median(throughput.map((r) => (r.jobsPerSec * us(r)) / 1e6));
  const server = cores((r) => r.serverCpuUs ?? 0);
  const byMaster = throughput[0]?.cpuUsByMaster;
  const masters: Array<[string, number]> =
    byMaster === undefined
      ? [['master', cores((r) => r.pipelineCpuUsPerJob - (r.serverCpuUs ?? 0))]]
      : byMaster.map((_, i) => [`master ${SHARED_MASTER_NAMES[i] ?? i + 1}`, cores((r) => r.cpuUsByMaster?.[i] ?? Number.NaN)]);
  const client = cores((r) => r.clientCpuUsPerJob);
  return {
    jobsPerSec: median(throughput.map((r) => r.jobsPerSec)),
    total: cores((r) => r.pipelineCpuUsPerJob + r.clientCpuUsPerJob),
    parts: [...masters, ['PostgreSQL', server], ['client', client]],
    client,
    machine: median(throughput.map((r) => r.machineCores)),
  };
}

function line(kind: PipelineKind, use: CoreUse, cores: number): string {
  const parts = use.parts.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(' + ');
  const other = Math.max(0, use.machine - use.total);
  return `    ${kind.padEnd(10)} ${formatRate(use.jobsPerSec).padStart(7)} jobs/s: ${use.total.toFixed(2)} cores = ${parts}; other work ${other.toFixed(2)}, idle ${Math.max(0, cores - use.machine).toFixed(2)}`;
}

/** What bounded postgres2 in the run: the machine's cores, the client's one thread, or neither (waits). */
function bound(two: CoreUse, cores: number): string {
  if (two.machine >= FULL * cores) {
    const others = two.machine - two.total >= 0.25 ? `, ${(two.machine - two.total).toFixed(2)} of them by other work on the machine` : '';
    return `the ${cores} cores were full (${two.machine.toFixed(2)} busy${others}): the second master had no core of its own`;
  }
  if (two.client >= FULL) return `the client process (one thread: the nodes and the load generator) was saturated (${two.client.toFixed(2)} of a core)`;
  return `not CPU: ${(cores - two.machine).toFixed(2)} of the ${cores} cores were idle, so waits (round trips to PostgreSQL, the masters waking each other) bound it`;
}

/** CPU seconds per job of every process of the run (pipeline and client). */
const perJob = (use: CoreUse): number => use.total / use.jobsPerSec;

/** Prints the cores each part of `postgres` and `postgres2` kept busy and what bounded their ratio; nothing unless both ran. */
export function noteCoreBudget(results: JobsResults, cores: number, minRatio: number, loadAverage: string): void {
  const one = coresOf(results.postgres);
  const two = coresOf(results.postgres2);
  if (one === undefined || two === undefined) return;
  const ratio = two.jobsPerSec / one.jobsPerSec;
  console.log(`  Where the cores went (jobs/s × CPU per job, medians; ${cores} cores, 1-minute load average ${loadAverage}; other work from /proc/stat):`);
  console.log(line('postgres', one, cores));
  console.log(line('postgres2', two, cores));
  console.log(`  postgres2/postgres ${ratio.toFixed(2)}× ${ratio >= minRatio ? 'meets' : 'misses'} the target ≥ ${minRatio}; bound: ${bound(two, cores)}.`);
  // With every core to itself a pipeline completes at most cores / (CPU per job): the ceiling its own cost sets.
  const [us1, us2] = [perJob(one) * 1e6, perJob(two) * 1e6];
  console.log(
    `  CPU per job, every process: ${us2.toFixed(0)} µs with two masters against ${us1.toFixed(0)} µs with one (${(us2 / us1).toFixed(2)}×); with all ${cores} cores ` +
      `postgres2 could complete at most ${formatRate((cores * 1e6) / us2)} jobs/s (${((cores * 1e6) / us2 / one.jobsPerSec).toFixed(2)}× postgres's measured jobs/s).`,
  );
}
