import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BudgetsSchema } from '../../protocol/index.js';
import { MAX_USAGE_DAYS, type UsageService } from '../usage/index.js';
import { decimalCount } from './parse.js';
import { route } from './route.js';

const UsageQuery = z.strictObject({ days: decimalCount('days', 1, MAX_USAGE_DAYS).default(7) });

/**
 * `GET /api/usage?days=N` (default 7, at most 90): the `UsageReport` of the last N days (UTC);
 * `GET|PUT /api/budgets`: the daily token budgets (a field left out or `null`: no cap).
 */
export function registerUsageRoutes(app: FastifyInstance, usage: UsageService): void {
  route(app, { method: 'GET', url: '/api/usage', query: UsageQuery, handler: ({ query }) => usage.report(query.days) });

  route(app, { method: 'GET', url: '/api/budgets', handler: () => usage.budgets() });

  route(app, { method: 'PUT', url: '/api/budgets', body: z.strictObject(BudgetsSchema.shape), handler: ({ body }) => usage.saveBudgets(body) });
}
