/** Readings of another process (the hub) from Linux's /proc, taken by the load generator. */
import { readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc/<pid>/stat's CPU times; 100 on every Linux ABI Node supports. */
const CLOCK_TICKS_PER_SEC = 100;

export function readRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** User plus system CPU time the process has used, in seconds. */
export function readCpuSec(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU times of process ${pid}`);
  return (utime + stime) / CLOCK_TICKS_PER_SEC;
}

/**
 * CPU seconds every core of the machine has spent busy (user, nice, system, irq, softirq, steal)
 * since boot: the difference of two readings over a span, divided by the span, is how many cores
 * were busy, whoever used them.
 */
export function readMachineBusySec(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SEC;
}
