import { z } from 'zod';

/**
 * Token usage and budgets. Every job's own usage (its turn's tokens, not its Codex thread's total)
 * is recorded with its day (UTC), user, chat, node and platform; budgets cap tokens per day.
 */

export const TokenCountSchema = z.object({ input: z.number().int().min(0), output: z.number().int().min(0), total: z.number().int().min(0) });
export type TokenCount = z.infer<typeof TokenCountSchema>;

/** Tokens per day (UTC) for one user, one chat, and the whole master; unset: no cap. */
export const BudgetsSchema = z.object({
  userDaily: z.number().int().positive().nullable().optional(),
  chatDaily: z.number().int().positive().nullable().optional(),
  masterDaily: z.number().int().positive().nullable().optional(),
});
export type Budgets = z.infer<typeof BudgetsSchema>;

const UsageRowSchema = z.object({ key: z.string(), jobs: z.number().int().min(0), tokens: TokenCountSchema });

/** A usage report: totals, by day, and by user, chat and node for the period. */
export const UsageReportSchema = z.object({
  /** First and last day of the period, `YYYY-MM-DD` (UTC). */
  from: z.string(),
  to: z.string(),
  total: z.object({ jobs: z.number().int().min(0), tokens: TokenCountSchema }),
  days: z.array(UsageRowSchema),
  users: z.array(UsageRowSchema),
  chats: z.array(UsageRowSchema),
  nodes: z.array(UsageRowSchema),
  budgets: BudgetsSchema,
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

/** Bridge → master: usage for `/usage` (today's, for this user and chat, and the master's). Answered by `usage`. */
export const UsageRequestFrameSchema = z.object({
  type: z.literal('usage_request'),
  requestId: z.string().min(1).max(64),
  platform: z.enum(['slack', 'telegram']),
  chatId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  days: z.number().int().min(1).max(90).default(7),
});

/** Master → bridge: the answer to `usage_request`. `user` and `chat` are today's figures for the asker. */
export const UsageFrameSchema = z.object({
  type: z.literal('usage'),
  requestId: z.string().min(1).max(64),
  report: UsageReportSchema,
  today: z.object({ user: TokenCountSchema, chat: TokenCountSchema, master: TokenCountSchema }),
});
export type UsageFrame = z.infer<typeof UsageFrameSchema>;
