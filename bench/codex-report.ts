/** The Codex bench's output: per-turn times of both sides, pipeline/direct, and the overhead target. */
import { formatMs } from './report.js';
import { median, percentile } from './stats.js';

export type Side = 'direct' | 'pipeline';
export const SIDES: readonly Side[] = ['direct', 'pipeline'];

/** Wall time of every measured turn, in milliseconds, in the order they ran. */
export type Turns = Record<Side, number[]>;

interface Row {
  label: string;
  figures: Record<Side, number>;
  target?: string;
  pass?: boolean;
}

const WIDTHS = { label: 30, value: 11, ratio: 17 };

function summarize(turnsMs: readonly number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...turnsMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length;
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean };
}

function ratioOfMedians(pipeline: readonly number[], direct: readonly number[]): number {
  return median(pipeline) / median(direct);
}

/**
 * Prints a line per `window` turns of each side as the bench goes; the spread of these lines'
 * ratios shows how much noise the machine added.
 */
export function progressPrinter(window: number, total: number): (side: Side, round: number, ms: number) => void {
  const seen: Turns = { direct: [], pipeline: [] };
  return (side, round, ms) => {
    seen[side].push(ms);
    const done = seen.direct.length;
    if (done !== seen.pipeline.length || done % window !== 0) return;
    const [direct, pipeline] = [seen.direct.slice(-window), seen.pipeline.slice(-window)];
    const range = `turns ${round + 2 - window}–${round + 1} of ${total}`.padEnd(22);
    console.log(`  ${range} direct p50 ${formatMs(median(direct))}, pipeline p50 ${formatMs(median(pipeline))}: ${ratioOfMedians(pipeline, direct).toFixed(2)}×`);
  };
}

export function reportOverhead(title: string, turns: Turns, options: { maxRatio: number; window: number; cpuMsPerJob: number }): void {
  const direct = summarize(turns.direct);
  const pipeline = summarize(turns.pipeline);
  const ratio = pipeline.p50 / direct.p50;
  printTable(title, [
    { label: 'per turn, p50', figures: { direct: direct.p50, pipeline: pipeline.p50 }, target: `≤ ${options.maxRatio.toFixed(2)}×`, pass: ratio <= options.maxRatio },
    { label: 'per turn, p99', figures: { direct: direct.p99, pipeline: pipeline.p99 } },
    { label: 'per turn, mean', figures: { direct: direct.mean, pipeline: pipeline.mean } },
    { label: 'master + node CPU per job', figures: { direct: Number.NaN, pipeline: options.cpuMsPerJob } },
  ]);
  console.log(`  pipeline adds ${formatMs(pipeline.p50 - direct.p50)} per turn at the median (${turns.pipeline.length} + ${turns.direct.length} turns)`);
  const windows = windowRatios(turns, options.window).sort((a, b) => a - b);
  const format = (n: number | undefined): string => `${(n ?? Number.NaN).toFixed(2)}×`;
  console.log(`  ratio per ${options.window} turns (a noise gauge): ${format(windows[0])} … ${format(windows.at(-1))}`);
}

function windowRatios(turns: Turns, window: number): number[] {
  const ratios: number[] = [];
  for (let start = 0; start < turns.direct.length; start += window) {
    ratios.push(ratioOfMedians(turns.pipeline.slice(start, start + window), turns.direct.slice(start, start + window)));
  }
  return ratios;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = SIDES.map((s) => s.padStart(WIDTHS.value)).join('');
  console.log(`  ${''.padEnd(WIDTHS.label)}${header}${'pipeline/direct'.padStart(WIDTHS.ratio)}   target (pipeline)`);
  for (const r of rows) {
    const values = SIDES.map((s) => formatMs(r.figures[s]).padStart(WIDTHS.value)).join('');
    const quotient = r.figures.pipeline / r.figures.direct;
    const ratio = Number.isFinite(quotient) ? `${quotient.toFixed(2)}×` : '-';
    const verdict = r.pass === undefined ? '' : r.pass ? '  PASS' : '  FAIL';
    console.log(`  ${r.label.padEnd(WIDTHS.label)}${values}${ratio.padStart(WIDTHS.ratio)}   ${r.target ?? ''}${verdict}`);
  }
}
