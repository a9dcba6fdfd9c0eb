import type { CheckStatus, DoctorReport } from './check.js';

const COLOURS: Record<CheckStatus, string> = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skip: '\x1b[2m' };
const RESET = '\x1b[0m';

/**
 * The report for a person: one line per check (status, id, summary), the detail and what to do
 * indented under it, and a count at the end. `colour` only on a terminal.
 */
export function renderReport(doctor: DoctorReport, colour: boolean): string {
  const width = Math.max(...doctor.checks.map((check) => check.id.length));
  const paint = (status: CheckStatus) => (colour ? `${COLOURS[status]}${status.padEnd(4)}${RESET}` : status.padEnd(4));
  const lines: string[] = [];
  for (const check of doctor.checks) {
    lines.push(`${paint(check.status)}  ${check.id.padEnd(width)}  ${check.summary}`);
    const indent = ' '.repeat(width + 8);
    if (check.detail !== undefined) lines.push(`${indent}${check.detail}`);
    if (check.hint !== undefined) lines.push(`${indent}→ ${check.hint}`);
  }
  const counts = (['ok', 'warn', 'fail', 'skip'] as const).map((status) => `${doctor.checks.filter((c) => c.status === status).length} ${status}`);
  lines.push('', `${counts.join(', ')}: ${doctor.ok ? 'nothing failed' : 'fix the failures above'}`);
  return `${lines.join('\n')}\n`;
}
