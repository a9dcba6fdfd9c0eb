import type { UsageRow } from '../../api/usage-types.js';

const DAY_MS = 86_400_000;

/** Every day from `from` to `to` (YYYY-MM-DD, UTC), with the report's figures or zeros: a quiet day is a bar of height 0, not a gap. */
export function everyDay(from: string, to: string, days: readonly UsageRow[]): UsageRow[] {
  const known = new Map(days.map((day) => [day.key, day]));
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [...days];
  const all: UsageRow[] = [];
  for (let at = start; at <= end; at += DAY_MS) {
    const key = new Date(at).toISOString().slice(0, 10);
    all.push(known.get(key) ?? { key, jobs: 0, tokens: { input: 0, output: 0, total: 0 } });
  }
  return all;
}

/** A budget field's text as `PUT /api/budgets` takes it: empty → null (no budget), else a whole number above 0. */
export function budgetValue(text: string): number | null | 'invalid' {
  const trimmed = text.replace(/[\s,_]/g, '');
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) && Number(trimmed) > 0 ? Number(trimmed) : 'invalid';
}
