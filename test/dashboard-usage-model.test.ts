import { describe, expect, it } from 'vitest';
import { EMPTY_FIELDS, fieldsOf, profileOf } from '../frontend/src/views/profiles/profile-model.js';
import { budgetValue, everyDay } from '../frontend/src/views/usage/usage-model.js';

/** What the usage and profiles views send and draw, without a browser. */
describe('usage and profile models of the dashboard', () => {
  const row = (key: string, total: number) => ({ key, jobs: 1, tokens: { input: total, output: 0, total } });

  it('draws every day of the period, quiet ones as zero, across a month end', () => {
    const days = everyDay('2025-01-30', '2025-02-02', [row('2025-01-31', 5), row('2025-02-02', 7)]);
    expect(days.map((day) => [day.key, day.tokens.total])).toEqual([
      ['2025-01-30', 0],
      ['2025-01-31', 5],
      ['2025-02-01', 0],
      ['2025-02-02', 7],
    ]);
  });

  it('reads a budget field: empty is no budget, digits with separators a budget, anything else refused', () => {
    expect(budgetValue('')).toBe(null);
    expect(budgetValue('  ')).toBe(null);
    expect(budgetValue('50,000')).toBe(50_000);
    expect(budgetValue('0')).toBe('invalid');
    expect(budgetValue('1.5')).toBe('invalid');
    expect(budgetValue('abc')).toBe('invalid');
  });

  it('sends only the profile fields filled in, and edits what it was given', () => {
    expect(profileOf({ ...EMPTY_FIELDS, name: 'x', model: ' gpt-5 ', tags: 'a, b', approvalTimeoutSec: '90' })).toEqual({ model: 'gpt-5', tags: ['a', 'b'], approvalTimeoutSec: 90 });
    expect(profileOf({ ...EMPTY_FIELDS, name: 'x' })).toEqual({});
    const profile = { name: 'p', sandbox: 'read-only' as const, tags: ['t'], approvalTimeoutSec: 30 };
    expect(profileOf(fieldsOf(profile))).toEqual({ sandbox: 'read-only', tags: ['t'], approvalTimeoutSec: 30 });
  });
});
