/**
 * The jobs bench's tables: medians per pipeline, then ratios: `full/normal` (what syncing every
 * commit costs the master), `normal/bare` (the master's code against the bare pipeline, both
 * synchronous=NORMAL) and, with BENCH_IDEMPOTENCY=1, `keyed/full` (what an Idempotency-Key on
 * every create costs); targets are checked on the master as shipped (FULL).
 */
import { PIPELINES, type PipelineKind } from './jobs-pipelines.js';
import type { DeliveryResult, DispatchResult, IngestResult, JobsResult, ThroughputResult } from './jobs-spec.js';
import { formatMs, formatRate, formatUs } from './report.js';
import { median } from './stats.js';

export type JobsResults = Partial<Record<PipelineKind, JobsResult[]>>;
type Figures = Partial<Record<PipelineKind, number>>;

interface Row {
  label: string;
  figures: Figures;
  format: (n: number) => string;
  target?: string;
  /** Whether the master meets the target. */
  pass?: boolean;
}

const WIDTHS = { label: 30, value: 11, ratio: 13 };

/** Ratio columns: label, numerator, denominator; shown when both pipelines ran. */
const RATIOS: ReadonlyArray<readonly [string, PipelineKind, PipelineKind]> = [
  ['full/normal', 'master', 'normal'],
  ['normal/bare', 'normal', 'bare'],
  ['keyed/full', 'keyed', 'master'],
];
const ratios = RATIOS.filter(([, a, b]) => PIPELINES.includes(a) && PIPELINES.includes(b));

function pick<R extends JobsResult>(results: JobsResults, kind: R['kind'], value: (result: R) => number): Figures {
  const of = (pipeline: PipelineKind): number => median((results[pipeline] ?? []).filter((r): r is R => r.kind === kind).map(value));
  return Object.fromEntries(PIPELINES.map((pipeline) => [pipeline, of(pipeline)]));
}

function ratio(figures: Figures, a: PipelineKind, b: PipelineKind): string {
  const quotient = (figures[a] ?? Number.NaN) / (figures[b] ?? Number.NaN);
  return Number.isFinite(quotient) ? `${quotient.toFixed(2)}×` : '-';
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = PIPELINES.map((p) => p.padStart(WIDTHS.value)).join('') + ratios.map(([label]) => label.padStart(WIDTHS.ratio)).join('');
  console.log(`  ${''.padEnd(WIDTHS.label)}${header}   target (master)`);
  for (const r of rows) {
    const values = PIPELINES.map((p) => r.format(r.figures[p] ?? Number.NaN).padStart(WIDTHS.value)).join('');
    const quotients = ratios.map(([, a, b]) => ratio(r.figures, a, b).padStart(WIDTHS.ratio)).join('');
    const verdict = r.pass === undefined ? '' : r.pass ? '  PASS' : '  FAIL';
    console.log(`  ${r.label.padEnd(WIDTHS.label)}${values}${quotients}   ${r.target ?? ''}${verdict}`);
  }
}

/** The master's figure (as shipped); NaN when it did not run. */
const shipped = (figures: Figures): number => figures.master ?? Number.NaN;

/** One line per measurement, printed as the bench goes. */
export function describeRun(result: JobsResult): string {
  switch (result.kind) {
    case 'dispatch':
      return `dispatch p50 ${formatMs(result.dispatch.p50)}, p99 ${formatMs(result.dispatch.p99)}; create p50 ${formatMs(result.create.p50)}; ${formatUs(result.pipelineCpuUsPerJob)} CPU/job`;
    case 'throughput':
      return `${formatRate(result.jobsPerSec)} jobs/s, ${formatUs(result.pipelineCpuUsPerJob)} CPU/job (client ${formatUs(result.clientCpuUsPerJob)}), ${result.completed} jobs checked`;
    case 'ingest': {
      const slow = result.slowCaughtUpMs === undefined ? '' : `; slow follower done ${formatMs(result.slowCaughtUpMs)} after`;
      return `${formatRate(result.storedPerSec)} events/s stored, ${formatRate(result.deliveredPerSec)}/s delivered, lag p99 ${formatMs(result.lag.p99)}, ${formatUs(result.pipelineCpuUsPerEvent)} CPU/event${slow}`;
    }
    case 'delivery':
      return `no diff p50 ${formatMs(result.plain.p50)}, with the diff p50 ${formatMs(result.withDiff.p50)} (p99 ${formatMs(result.plain.p99)} / ${formatMs(result.withDiff.p99)}); the diff costs ${formatUs(result.diffCpuUs)} CPU`;
  }
}

export function reportDispatch(title: string, results: JobsResults, targets: { p50Ms: number; p99Ms: number }): void {
  const p50 = pick<DispatchResult>(results, 'dispatch', (r) => r.dispatch.p50);
  const p99 = pick<DispatchResult>(results, 'dispatch', (r) => r.dispatch.p99);
  printTable(title, [
    { label: 'POST → node, p50', figures: p50, format: formatMs, target: `≤ ${targets.p50Ms} ms`, pass: shipped(p50) <= targets.p50Ms },
    { label: 'POST → node, p99', figures: p99, format: formatMs, target: `≤ ${targets.p99Ms} ms`, pass: shipped(p99) <= targets.p99Ms },
    { label: 'POST → response, p50', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.create.p50), format: formatMs },
    { label: 'POST → response, p99', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.create.p99), format: formatMs },
    { label: 'pipeline CPU per job', figures: pick<DispatchResult>(results, 'dispatch', (r) => r.pipelineCpuUsPerJob), format: formatUs },
  ]);
}

export function reportThroughput(title: string, results: JobsResults, minJobsPerSec: number): void {
  const rate = pick<ThroughputResult>(results, 'throughput', (r) => r.jobsPerSec);
  printTable(title, [
    { label: 'jobs/s completed', figures: rate, format: formatRate, target: `≥ ${formatRate(minJobsPerSec)}`, pass: shipped(rate) >= minJobsPerSec },
    { label: 'pipeline CPU per job', figures: pick<ThroughputResult>(results, 'throughput', (r) => r.pipelineCpuUsPerJob), format: formatUs },
    { label: 'client CPU per job', figures: pick<ThroughputResult>(results, 'throughput', (r) => r.clientCpuUsPerJob), format: formatUs },
  ]);
}

export function reportIngest(title: string, results: JobsResults, targets: { minPerSec: number; maxLagP99Ms: number }): void {
  const stored = pick<IngestResult>(results, 'ingest', (r) => r.storedPerSec);
  const lag = pick<IngestResult>(results, 'ingest', (r) => r.lag.p99);
  printTable(title, [
    { label: 'events/s stored', figures: stored, format: formatRate, target: `≥ ${formatRate(targets.minPerSec)}`, pass: shipped(stored) >= targets.minPerSec },
    { label: 'events/s delivered to follower', figures: pick<IngestResult>(results, 'ingest', (r) => r.deliveredPerSec), format: formatRate },
    { label: 'follower lag p50', figures: pick<IngestResult>(results, 'ingest', (r) => r.lag.p50), format: formatMs },
    { label: 'follower lag p99', figures: lag, format: formatMs, target: `≤ ${targets.maxLagP99Ms} ms`, pass: shipped(lag) <= targets.maxLagP99Ms },
    { label: 'pipeline CPU per event', figures: pick<IngestResult>(results, 'ingest', (r) => r.pipelineCpuUsPerEvent), format: formatUs },
    { label: 'client CPU per event', figures: pick<IngestResult>(results, 'ingest', (r) => r.clientCpuUsPerEvent), format: formatUs },
  ]);
}

/** Compared with the same pipeline's run without the slow follower (`alone`). */
export function reportSlowFollower(title: string, results: JobsResults, alone: JobsResults, minShare: number): void {
  const stored = pick<IngestResult>(results, 'ingest', (r) => r.storedPerSec);
  const storedAlone = pick<IngestResult>(alone, 'ingest', (r) => r.storedPerSec);
  const share: Figures = Object.fromEntries(PIPELINES.map((p) => [p, (stored[p] ?? Number.NaN) / (storedAlone[p] ?? Number.NaN)]));
  printTable(title, [
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
  const added: Figures = Object.fromEntries(PIPELINES.map((p) => [p, (withDiff[p] ?? Number.NaN) - (plain[p] ?? Number.NaN)]));
  printTable(title, [
    { label: 'job, no diff: p50', figures: plain, format: formatMs },
    { label: `job, ${diffLabel} diff: p50`, figures: withDiff, format: formatMs },
    { label: '… the diff adds (p50)', figures: added, format: formatMs },
    { label: 'job, no diff: p99', figures: pick<DeliveryResult>(results, 'delivery', (r) => r.plain.p99), format: formatMs },
    { label: `job, ${diffLabel} diff: p99`, figures: pick<DeliveryResult>(results, 'delivery', (r) => r.withDiff.p99), format: formatMs },
    { label: 'pipeline CPU for the diff', figures: pick<DeliveryResult>(results, 'delivery', (r) => r.diffCpuUs), format: formatUs },
  ]);
}
