/**
 * The jobs bench's tables: medians per pipeline, then ratios: `full/normal` (what syncing every
 * commit costs the master), `normal/bare` (the master's code against the bare pipeline, both
 * synchronous=NORMAL), `keyed/full` (what an Idempotency-Key on every create costs),
 * `postgres/master` (PostgreSQL against SQLite, both durable), `postgres2/postgres` (two masters on
 * one PostgreSQL database against one) and `master/before` (the working
 * tree's master against the baseline ref's, measured in the same run). A ratio is shown when both
 * of its pipelines ran. Absolute targets are checked on the master as shipped (FULL), ratio targets
 * on their ratio; none fails the run.
 */
import { ALL_PIPELINES, SHARED_MASTER_NAMES, type PipelineKind } from './jobs-pipelines.js';
import type { BenchRun } from './jobs-server-cpu.js';
import type { DeliveryResult, DispatchResult, IngestResult, JobsResult, ThroughputResult } from './jobs-spec.js';
import { formatMs, formatRate, formatUs } from './report.js';
import { median } from './stats.js';

export type JobsResults = Partial<Record<PipelineKind, BenchRun[]>>;
type Figures = Partial<Record<PipelineKind, number>>;

/** Minimums of the same-run ratios: PostgreSQL against SQLite, the master against its baseline. */
export interface RatioTargets {
  /** postgres/master, in jobs/s. */
  postgres: number;
  /** postgres2/postgres, in jobs/s: what a second master on the same database adds. */
  twoMasters: number;
  /** master/before: SQLite unchanged within noise. */
  unchanged: number;
}

interface Row {
  label: string;
  figures: Figures;
  format: (n: number) => string;
  target?: string;
  /** Whether the master meets the target. */
  pass?: boolean;
  /** Minimums of ratio columns (by label), checked when both pipelines ran. */
  ratioTargets?: Partial<Record<RatioLabel, number>>;
}

const WIDTHS = { label: 30, value: 11, ratio: 20 };

/** Ratio columns: label, numerator, denominator; shown when both pipelines ran. */
const RATIOS = [
  ['full/normal', 'master', 'normal'],
  ['normal/bare', 'normal', 'bare'],
  ['keyed/full', 'keyed', 'master'],
  ['postgres/master', 'postgres', 'master'],
  ['postgres2/postgres', 'postgres2', 'postgres'],
  ['master/before', 'master', 'before'],
] as const satisfies ReadonlyArray<readonly [string, PipelineKind, PipelineKind]>;
type RatioLabel = (typeof RATIOS)[number][0];

/** The pipelines that ran, in table order. */
function pipelinesOf(results: JobsResults): PipelineKind[] {
  return ALL_PIPELINES.filter((kind) => results[kind] !== undefined);
}

function pick<R extends JobsResult>(results: JobsResults, kind: R['kind'], value: (result: R & BenchRun) => number): Figures {
  const of = (pipeline: PipelineKind): number => median((results[pipeline] ?? []).filter((r): r is R & BenchRun => r.kind === kind).map(value));
  return Object.fromEntries(pipelinesOf(results).map((pipeline) => [pipeline, of(pipeline)]));
}

function quotient(figures: Figures, a: PipelineKind, b: PipelineKind): number {
  return (figures[a] ?? Number.NaN) / (figures[b] ?? Number.NaN);
}

function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '-';
}

const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

const formatCores = (n: number): string => n.toFixed(2);

/** The row's targets with their verdicts: the master's own, then each ratio's whose pipelines both ran. */
function targetsOf(row: Row, pipelines: readonly PipelineKind[]): string {
  const parts: string[] = [];
  // Without the master there is nothing to check the target on: it is shown without a verdict.
  if (row.target !== undefined) parts.push(row.pass === undefined || !pipelines.includes('master') ? row.target : `${row.target} ${verdict(row.pass)}`);
  for (const [label, a, b] of RATIOS) {
    const min = row.ratioTargets?.[label];
    if (min === undefined || !pipelines.includes(a) || !pipelines.includes(b)) continue;
    parts.push(`${label} ≥ ${min} ${verdict(quotient(row.figures, a, b) >= min)}`);
  }
  return parts.join('; ');
}

function printTable(title: string, pipelines: readonly PipelineKind[], rows: Row[]): void {
  const ratios = RATIOS.filter(([, a, b]) => pipelines.includes(a) && pipelines.includes(b));
  console.log(`\n${title}`);
  const header = pipelines.map((p) => p.padStart(WIDTHS.value)).join('') + ratios.map(([label]) => label.padStart(WIDTHS.ratio)).join('');
  console.log(`  ${''.padEnd(WIDTHS.label)}${header}   targets (absolute ones: on master)`);
  for (const r of rows) {
    const values = pipelines.map((p) => r.format(r.figures[p] ?? Number.NaN).padStart(WIDTHS.value)).join('');
    const quotients = ratios.map(([, a, b]) => formatRatio(quotient(r.figures, a, b)).padStart(WIDTHS.ratio)).join('');
    console.log(`  ${r.label.padEnd(WIDTHS.label)}${values}${quotients}   ${targetsOf(r, pipelines)}`);
  }
}

/** A part of a CPU row, shown when some pipeline has it; '-' for the others. */
function partRow(label: string, figures: Figures): Row[] {
  if (!Object.values(figures).some(Number.isFinite)) return [];
  return [{ label, figures, format: (n) => (Number.isNaN(n) ? '-' : formatUs(n)) }];
}

/** Where a CPU row goes: each master, when a pipeline has several (`postgres2`), and the store server (PostgreSQL). */
function cpuPartRows(results: JobsResults, kind: 'dispatch' | 'throughput' | 'ingest'): Row[] {
  const masters = SHARED_MASTER_NAMES.flatMap((name, i) =>
    partRow(`… of which master ${name}`, pick<DispatchResult | ThroughputResult | IngestResult>(results, kind, (r) => r.cpuUsByMaster?.[i] ?? Number.NaN)),
  );
  return [...masters, ...partRow('… of which PostgreSQL server', pick(results, kind, (r) => r.serverCpuUs ?? Number.NaN))];
}

/** The master's figure (as shipped); NaN when it did not run. */
const shipped = (figures: Figures): number => figures.master ?? Number.NaN;

/** Each pipeline's value of `value(a, b)` from two tables of the same pipelines. */
function combine(a: Figures, b: Figures, value: (a: number, b: number) => number): Figures {
  return Object.fromEntries(Object.keys(a).map((p) => [p, value(a[p as PipelineKind] ?? Number.NaN, b[p as PipelineKind] ?? Number.NaN)]));
}

/** The parts of a run's CPU figure: each master's (when several) and the store server's. */
function cpuParts(result: BenchRun): string {
  const masters = result.kind === 'delivery' ? [] : (result.cpuUsByMaster ?? []).map((us, i) => `master ${SHARED_MASTER_NAMES[i] ?? i + 1} ${formatUs(us)}`);
  const parts = [...masters, ...(result.serverCpuUs === undefined ? [] : [`PostgreSQL ${formatUs(result.serverCpuUs)}`])];
  return parts.length === 0 ? '' : ` (${parts.join(', ')} of it)`;
}

/** One line per measurement, printed as the bench goes. */
export function describeRun(result: BenchRun): string {
  const server = cpuParts(result);
  switch (result.kind) {
    case 'dispatch':
      return `dispatch p50 ${formatMs(result.dispatch.p50)}, p99 ${formatMs(result.dispatch.p99)}; create p50 ${formatMs(result.create.p50)}; ${formatUs(result.pipelineCpuUsPerJob)} CPU/job${server}`;
    case 'throughput':
      return `${formatRate(result.jobsPerSec)} jobs/s, ${formatUs(result.pipelineCpuUsPerJob)} CPU/job${server} (client ${formatUs(result.clientCpuUsPerJob)}), ${result.completed} jobs checked`;
    case 'ingest': {
      const slow = result.slowCaughtUpMs === undefined ? '' : `; slow follower done ${formatMs(result.slowCaughtUpMs)} after`;
      return `${formatRate(result.storedPerSec)} events/s stored, ${formatRate(result.deliveredPerSec)}/s delivered, lag p99 ${formatMs(result.lag.p99)}, ${formatUs(result.pipelineCpuUsPerEvent)} CPU/event${server}${slow}`;
    }
    case 'delivery':
      return `no diff p50 ${formatMs(result.plain.p50)}, with the diff p50 ${formatMs(result.withDiff.p50)} (p99 ${formatMs(result.plain.p99)} / ${formatMs(result.withDiff.p99)}); the diff costs ${formatUs(result.diffCpuUs)} CPU`;
  }
}

export function reportDispatch(title: string, results: JobsResults, targets: { p50Ms: number; p99Ms: number }): void {
  const p50 = pick<DispatchResult>(results, 'dispatch', (r) => r.dispatch.p50);
  const p99 = pick<DispatchResult>(results, 'dispatch', (r) => r.dispatch.p99);
  printTable(title, pipelinesOf(results), [
    { label: 'POST → node, p50', figures: p50, format: formatMs, target: `≤ ${targets.p50Ms} ms`, pass: shipped(p50) <= targets.p50Ms },
    { label: 'POST → node, p99', figures: p99, format: formatMs, target: `≤ ${targets.p99Ms} ms`, pass: shipped(p99) <= targets.p99Ms },
    { label: 'POST → response, p50', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.create.p50), format: formatMs },
    { label: 'POST → response, p99', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.create.p99), format: formatMs },
    { label: 'pipeline CPU per job', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.pipelineCpuUsPerJob), format: formatUs },
    ...cpuPartRows(results, 'dispatch'),
  ]);
}

export function reportThroughput(title: string, results: JobsResults, minJobsPerSec: number, ratios: RatioTargets): void {
  const rate = pick<ThroughputResult>(results, 'throughput', (r) => r.jobsPerSec);
  const ratioTargets = { 'postgres/master': ratios.postgres, 'postgres2/postgres': ratios.twoMasters, 'master/before': ratios.unchanged };
  const cores = (r: ThroughputResult, us: number): number => (r.jobsPerSec * us) / 1e6;
  printTable(title, pipelinesOf(results), [
    { label: 'jobs/s completed', figures: rate, format: formatRate, target: `≥ ${formatRate(minJobsPerSec)}`, pass: shipped(rate) >= minJobsPerSec, ratioTargets },
    { label: 'pipeline CPU per job', figures: pick<ThroughputResult>(results, 'throughput', (r) => r.pipelineCpuUsPerJob), format: formatUs },
    ...cpuPartRows(results, 'throughput'),
    { label: 'client CPU per job', figures: pick<ThroughputResult>(results, 'throughput', (r) => r.clientCpuUsPerJob), format: formatUs },
    // jobs/s × CPU per job: how many of the machine's cores the run kept busy, and the client's share.
    { label: 'cores busy: pipeline + client', figures: pick<ThroughputResult>(results, 'throughput', (r) => cores(r, r.pipelineCpuUsPerJob + r.clientCpuUsPerJob)), format: formatCores },
    { label: 'cores busy: client alone', figures: pick<ThroughputResult>(results, 'throughput', (r) => cores(r, r.clientCpuUsPerJob)), format: formatCores },
    { label: 'cores busy: whole machine', figures: pick<ThroughputResult>(results, 'throughput', (r) => r.machineCores), format: formatCores },
  ]);
}

export function reportIngest(title: string, results: JobsResults, targets: { minPerSec: number; maxLagP99Ms: number }, ratios: RatioTargets): void {
  const stored = pick<IngestResult>(results, 'ingest', (r) => r.storedPerSec);
  const lag = pick<IngestResult>(results, 'ingest', (r) => r.lag.p99);
  const storedRow: Row = { label: 'events/s stored', figures: stored, format: formatRate, target: `≥ ${formatRate(targets.minPerSec)}`, pass: shipped(stored) >= targets.minPerSec };
  printTable(title, pipelinesOf(results), [
    { ...storedRow, ratioTargets: { 'master/before': ratios.unchanged } },
    { label: 'events/s delivered to follower', figures: pick<IngestResult>(results, 'ingest', (r) => r.deliveredPerSec), format: formatRate },
    { label: 'follower lag p50', figures: pick<IngestResult>(results, 'ingest', (r) => r.lag.p50), format: formatMs },
    { label: 'follower lag p99', figures: lag, format: formatMs, target: `≤ ${targets.maxLagP99Ms} ms`, pass: shipped(lag) <= targets.maxLagP99Ms },
    { label: 'pipeline CPU per event', figures: pick<IngestResult>(results, 'ingest', (r) => r.pipelineCpuUsPerEvent), format: formatUs },
    ...cpuPartRows(results, 'ingest'),
    { label: 'client CPU per event', figures: pick<IngestResult>(results, 'ingest', (r) => r.clientCpuUsPerEvent), format: formatUs },
  ]);
}

/** Compared with the same pipeline's run without the slow follower (`alone`). */
export function reportSlowFollower(title: string, results: JobsResults, alone: JobsResults, minShare: number): void {
  const stored = pick<IngestResult>(results, 'ingest', (r) => r.storedPerSec);
  const share = combine(stored, pick<IngestResult>(alone, 'ingest', (r) => r.storedPerSec), (a, b) => a / b);
  printTable(title, pipelinesOf(results), [
    { label: 'events/s stored', figures: stored, format: formatRate },
    { label: '… share of the rate without it', figures: share, format: (n) => `${(n * 100).toFixed(0)}%`, target: `≥ ${minShare * 100}%`, pass: shipped(share) >= minShare },
    { label: 'live follower lag p99', figures: pick<IngestResult>(results, 'ingest', (r) => r.lag.p99), format: formatMs },
    { label: 'slow one: done after ingest', figures: pick<IngestResult>(results, 'ingest', (r) => r.slowCaughtUpMs ?? Number.NaN), format: formatMs },
  ]);
}

/** A job with a diff beside the same job without one, measured alternately in the same run. */
export function reportDelivery(title: string, results: JobsResults, diffLabel: string): void {
  const plain = pick<DeliveryResult>(results, 'delivery', (r) => r.plain.p50);
  const withDiff = pick<DeliveryResult>(results, 'delivery', (r) => r.withDiff.p50);
  printTable(title, pipelinesOf(results), [
    { label: 'job, no diff: p50', figures: plain, format: formatMs },
    { label: `job, ${diffLabel} diff: p50`, figures: withDiff, format: formatMs },
    { label: '… the diff adds (p50)', figures: combine(withDiff, plain, (a, b) => a - b), format: formatMs },
    { label: 'job, no diff: p99', figures: pick<DeliveryResult>(results, 'delivery', (r) => r.plain.p99), format: formatMs },
    { label: `job, ${diffLabel} diff: p99`, figures: pick<DeliveryResult>(results, 'delivery', (r) => r.withDiff.p99), format: formatMs },
    { label: 'pipeline CPU for the diff', figures: pick<DeliveryResult>(results, 'delivery', (r) => r.diffCpuUs), format: formatUs },
  ]);
}
