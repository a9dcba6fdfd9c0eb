import { z } from 'zod';
import { ApiError } from './api-error.js';

function describe(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `invalid ${what}: ${where}${issue?.message ?? 'invalid'}`;
}

/** Parses one part of a request at the edge; a bad one is a 400 that names the field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: 'request body' | 'query' | 'path'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError('bad_request', describe(result.error, what));
}

/** A decimal number in a path or query (`42`; not `1e3`, `0x10` or ` 4`). */
function decimal(what: string) {
  return z.string().regex(/^\d{1,15}$/, `${what} must be decimal digits`).transform(Number);
}

/** A positive id in a path or query. */
export const decimalId = decimal('an id').refine((n) => n > 0, 'an id must be at least 1');

/** A whole number in a query, within bounds. */
export function decimalCount(what: string, min: number, max: number) {
  return decimal(what).refine((n) => n >= min && n <= max, `${what} must be between ${min} and ${max}`);
}

/** Path parameters of routes under `/api/…/:id`. */
export const IdParams = z.strictObject({ id: decimalId });
