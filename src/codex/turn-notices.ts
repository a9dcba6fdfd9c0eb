import { z } from 'zod';

/** One window of the account's rate limit: how much of it is used and when it starts over. */
export interface RateLimitWindow {
  usedPercent: number;
  /** Unix seconds; null when Codex does not know. */
  resetsAt: number | null;
  windowMinutes: number | null;
}

/**
 * What Codex says about a turn beside its items: the plan it keeps, the turn's diff so far, the
 * account's rate limits (for the whole process, not one turn), and a turn moved to another model.
 */
export type TurnNotice =
  | { type: 'plan'; explanation?: string; steps: Array<{ step: string; status: string }> }
  | { type: 'turn_diff'; diff: string }
  | { type: 'rate_limits'; primary?: RateLimitWindow; secondary?: RateLimitWindow; reached?: string }
  | { type: 'model_rerouted'; fromModel: string; toModel: string; reason: string };

const planParams = z.object({ explanation: z.string().nullish(), plan: z.array(z.object({ step: z.string(), status: z.string() })) });
const diffParams = z.object({ diff: z.string() });
const window = z.object({ usedPercent: z.number(), resetsAt: z.number().nullish(), windowDurationMins: z.number().nullish() });
const rateLimitParams = z.object({
  rateLimits: z.object({ primary: window.nullish(), secondary: window.nullish(), rateLimitReachedType: z.string().nullish() }),
});
const reroutedParams = z.object({ fromModel: z.string(), toModel: z.string(), reason: z.string() });

/** The params each notice reads, by method (for the drift check, beside `RELIED_NOTIFICATIONS`). */
export const NOTICE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'turn/plan/updated': planParams,
  'turn/diff/updated': diffParams,
  'account/rateLimits/updated': rateLimitParams,
  'model/rerouted': reroutedParams,
};

function toWindow(value: z.infer<typeof window> | null | undefined): RateLimitWindow | undefined {
  return value ? { usedPercent: value.usedPercent, resetsAt: value.resetsAt ?? null, windowMinutes: value.windowDurationMins ?? null } : undefined;
}

/** Parsers of the notices, merged into `events.ts`'s table. */
export const NOTICE_PARSERS: Readonly<Record<string, (params: unknown) => TurnNotice>> = {
  'turn/plan/updated': (params) => {
    const { explanation, plan } = planParams.parse(params);
    return { type: 'plan', ...(explanation ? { explanation } : {}), steps: plan };
  },
  'turn/diff/updated': (params) => ({ type: 'turn_diff', diff: diffParams.parse(params).diff }),
  'account/rateLimits/updated': (params) => {
    const { primary, secondary, rateLimitReachedType } = rateLimitParams.parse(params).rateLimits;
    const [p, s] = [toWindow(primary), toWindow(secondary)];
    return { type: 'rate_limits', ...(p && { primary: p }), ...(s && { secondary: s }), ...(rateLimitReachedType ? { reached: rateLimitReachedType } : {}) };
  },
  'model/rerouted': (params) => ({ type: 'model_rerouted', ...reroutedParams.parse(params) }),
};

/** Whether the limits stop work now: a window fully used, or Codex saying a limit was reached. */
export function isRateLimited(notice: Extract<TurnNotice, { type: 'rate_limits' }>): boolean {
  return notice.reached !== undefined || [notice.primary, notice.secondary].some((w) => w !== undefined && w.usedPercent >= 100);
}

/** "Codex is rate limited: 100% of the 300-minute window used, resets 18:15 UTC." */
export function describeRateLimit(notice: Extract<TurnNotice, { type: 'rate_limits' }>): string {
  const full = [notice.primary, notice.secondary].find((w) => w !== undefined && w.usedPercent >= 100) ?? notice.primary;
  const parts = [`Codex is rate limited${notice.reached ? ` (${notice.reached})` : ''}`];
  if (full) {
    const span = full.windowMinutes === null ? 'its window' : `the ${full.windowMinutes}-minute window`;
    const reset = full.resetsAt === null ? '' : `, resets ${new Date(full.resetsAt * 1000).toISOString().slice(11, 16)} UTC`;
    parts.push(`${full.usedPercent}% of ${span} used${reset}`);
  }
  return `${parts.join(': ')}; the job waits for Codex, it is not stuck.`;
}

/** A plan as log lines: `[x] step`, `[>] step`, `[ ] step`. */
export function describePlan(notice: Extract<TurnNotice, { type: 'plan' }>): string {
  const mark = (status: string): string => (status === 'completed' ? '[x]' : status === 'inProgress' ? '[>]' : '[ ]');
  const lines = notice.steps.map((s) => `${mark(s.status)} ${s.step}`);
  return ['Plan' + (notice.explanation ? `: ${notice.explanation}` : ''), ...lines].join('\n');
}
