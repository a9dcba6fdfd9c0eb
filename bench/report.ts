/** Turns the per-run results into the printed tables: medians per hub, master/corked ratio, targets. */
import { HUBS, type HubKind } from './processes.js';
import type { FanoutResult, IdleResult, LoadResult, SteadyResult } from './spec.js';
import { median } from './stats.js';

export type Results = Record<HubKind, LoadResult[]>;

interface Row {
  label: string;
  values: Record<HubKind, string>;
  ratio?: string;
  target?: string;
  verdict?: boolean;
}

const WIDTHS = { label: 24, value: 10, ratio: 14 };

export function formatRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)}M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toPrecision(3)}k`;
  return perSec.toFixed(0);
}

export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 100 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`;
}

/** One line per measurement, printed as the bench goes. */
export function describeRun(result: LoadResult): string {
  switch (result.kind) {
    case 'fanout':
      return describeTraffic(result);
    case 'steady':
      return `${describeTraffic(result)}, ${result.undelivered} undelivered`;
    case 'idle':
      return `connected in ${result.connectSec.toFixed(2)} s, hub ${formatUs(result.hubCpuUsPerConnection)}/connection, ${result.kbPerConnection.toFixed(1)} KB/connection (RSS ${result.rssBeforeKb} → ${result.rssAfterKb} KB)`;
  }
}

function describeTraffic(result: FanoutResult | SteadyResult): string {
  const { deliveriesPerSec, hubCpuUsPerDelivery, latency } = result;
  return `${formatRate(deliveriesPerSec)} deliveries/s, hub ${formatUs(hubCpuUsPerDelivery)}/delivery, p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}`;
}

export function formatUs(us: number): string {
  return us < 100 ? `${us.toFixed(2)} µs` : `${us.toFixed(0)} µs`;
}

function pick<R extends LoadResult>(results: Results, kind: R['kind'], value: (result: R) => number, combine = median): Record<HubKind, number> {
  const of = (hub: HubKind): number => combine(results[hub].filter((r): r is R => r.kind === kind).map(value));
  return { master: of('master'), corked: of('corked'), plain: of('plain') };
}

function row(label: string, figures: Record<HubKind, number>, format: (n: number) => string, extra: Omit<Row, 'label' | 'values'> = {}): Row {
  const ratio = `${(figures.master / figures.corked).toFixed(2)}×`;
  return { label, values: { master: format(figures.master), corked: format(figures.corked), plain: format(figures.plain) }, ratio, ...extra };
}

function printTable(title: string, rows: Row[]): void {
  const header = ['', ...HUBS].map((h, i) => (i === 0 ? h.padEnd(WIDTHS.label) : h.padStart(WIDTHS.value)));
  console.log(`\n${title}`);
  console.log(`  ${header.join('')}${'master/corked'.padStart(WIDTHS.ratio)}   target`);
  for (const r of rows) {
    const values = HUBS.map((hub) => r.values[hub].padStart(WIDTHS.value)).join('');
    const verdict = r.verdict === undefined ? '' : r.verdict ? '  PASS' : '  FAIL';
    console.log(`  ${r.label.padEnd(WIDTHS.label)}${values}${(r.ratio ?? '').padStart(WIDTHS.ratio)}   ${r.target ?? ''}${verdict}`);
  }
}

const maxOf = (values: readonly number[]): number => Math.max(...values);

export function reportFanout(title: string, results: Results, minRatio: number): void {
  const rate = pick<FanoutResult>(results, 'fanout', (r) => r.deliveriesPerSec);
  printTable(title, [
    row('deliveries/s', rate, formatRate, { target: `master ≥ ${minRatio.toFixed(2)}× corked`, verdict: rate.master >= minRatio * rate.corked }),
    row('hub CPU per delivery', pick<FanoutResult>(results, 'fanout', (r) => r.hubCpuUsPerDelivery), formatUs),
    row('latency p50', pick<FanoutResult>(results, 'fanout', (r) => r.latency.p50), formatMs),
    row('latency p99', pick<FanoutResult>(results, 'fanout', (r) => r.latency.p99), formatMs),
  ]);
}

export function reportSteady(title: string, results: Results, maxP99Ms: number): void {
  const p99 = pick<SteadyResult>(results, 'steady', (r) => r.latency.p99);
  const lost = pick<SteadyResult>(results, 'steady', (r) => r.undelivered, maxOf);
  const sustained = (hub: HubKind): boolean => p99[hub] < maxP99Ms && lost[hub] === 0;
  printTable(title, [
    row('deliveries/s', pick<SteadyResult>(results, 'steady', (r) => r.deliveriesPerSec), formatRate),
    row('hub CPU per delivery', pick<SteadyResult>(results, 'steady', (r) => r.hubCpuUsPerDelivery), formatUs),
    row('latency p50', pick<SteadyResult>(results, 'steady', (r) => r.latency.p50), formatMs),
    row('latency p99', p99, formatMs, { target: `< ${maxP99Ms} ms` }),
    { ...row('undelivered (worst run)', lost, String), ratio: '', target: '0' },
    { label: 'sustained', values: { master: yesNo(sustained('master')), corked: yesNo(sustained('corked')), plain: yesNo(sustained('plain')) } },
  ]);
  const verdict = sustained('master') ? 'PASS' : 'FAIL';
  console.log(`  master sustains this load (p99 < ${maxP99Ms} ms and nothing undelivered): ${verdict}`);
}

export function reportIdle(title: string, results: Results, targets: { maxConnectSec: number; maxKbPerConnection: number }): void {
  const connect = pick<IdleResult>(results, 'idle', (r) => r.connectSec);
  const kb = pick<IdleResult>(results, 'idle', (r) => r.kbPerConnection);
  printTable(title, [
    row('connect all (s)', connect, (n) => n.toFixed(2), { target: `master < ${targets.maxConnectSec} s`, verdict: connect.master < targets.maxConnectSec }),
    row('hub CPU per connection', pick<IdleResult>(results, 'idle', (r) => r.hubCpuUsPerConnection), formatUs),
    row('RSS KB per connection', kb, (n) => n.toFixed(1), { target: `master ≤ ${targets.maxKbPerConnection} KB`, verdict: kb.master <= targets.maxKbPerConnection }),
  ]);
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
