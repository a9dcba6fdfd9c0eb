import type { DeliveryFigures } from './delivery-audit.js';

/** One line of the fault suite's figures: a scenario's delivery figures and its recovery times. */
export interface FaultFigures extends DeliveryFigures {
  scenario: string;
  cycles: number;
  /** Milliseconds from each fault to delivery going on again. */
  recoveryMs: number[];
  wallMs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const COLUMNS: Array<[string, (f: FaultFigures) => string]> = [
  ['scenario', (f) => f.scenario],
  ['cycles', (f) => String(f.cycles)],
  ['jobs', (f) => String(f.jobs)],
  ['events', (f) => String(f.events)],
  ['lost jobs', (f) => String(f.lostJobs)],
  ['dup jobs', (f) => String(f.duplicatedJobs)],
  ['re-run', (f) => String(f.rerunJobs)],
  ['lost events', (f) => String(f.lostEvents)],
  ['dup events', (f) => String(f.duplicatedEvents)],
  ['recovery median ms', (f) => (f.recoveryMs.length === 0 ? '-' : median(f.recoveryMs).toFixed(0))],
  ['recovery max ms', (f) => (f.recoveryMs.length === 0 ? '-' : Math.max(...f.recoveryMs).toFixed(0))],
  ['wall s', (f) => (f.wallMs / 1000).toFixed(1)],
];

/** The figures as a Markdown table, one row per scenario. */
export function formatFigures(rows: readonly FaultFigures[]): string {
  const cells = [COLUMNS.map(([name]) => name), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)));
  const render = (line: string[]): string => `| ${line.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  const [head, ...body] = cells as [string[], ...string[][]];
  return [render(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(render)].join('\n');
}

/** A small seeded PRNG (mulberry32), so a failing run's fault moments can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: FAULT_SEED when set (to replay one), else a fresh one; printed by the callers. */
export function faultSeed(): number {
  const given = Number(process.env.FAULT_SEED);
  return Number.isInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
}
