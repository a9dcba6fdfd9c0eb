import type { z } from 'zod';
import { ApiError } from './api-error.js';

function describe(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `invalid ${what}: ${where}${issue?.message ?? 'invalid'}`;
}

/** Parses a request body at the edge; a bad one is a 400 that names the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ApiError('bad_request', describe(result.error, 'request body'));
}

/** Parses query or path parameters at the edge. */
export function parseQuery<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError('bad_request', describe(result.error, 'request parameters'));
}
