import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../log/index.js';
import { isoNow, type Budgets, type TokenCount, type UsageReport } from '../../protocol/index.js';
import { SOLO_CONFIG, type ConfigChanges } from '../fleet/config-changes.js';
import { OneAtATime } from '../fleet/one-at-a-time.js';
import { settled, type JobOrigin, type Store, type UsageScope } from '../store/index.js';

/** Whom a job's tokens count against: a user (`telegram:42`, `admin`) and, from a chat, that chat. */
export interface UsageOwner {
  user: string;
  chat?: string | undefined;
}

/** Budgets with every cap spelled out (`null`: none). */
export type FullBudgets = { [K in keyof Budgets]-?: number | null };

/** The scopes a job counts against, with the budget key of each. */
export type BudgetScope = UsageScope & { budget: keyof Budgets };

const DAY_MS = 86_400_000;
/** The longest report `GET /api/usage` gives. */
export const MAX_USAGE_DAYS = 90;

/** `YYYY-MM-DD` of an instant, in UTC (budgets are per UTC day). */
export function utcDay(at: Date | string = new Date()): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Who a job of this origin is, for usage: chat jobs by platform and ids, everything else the admin. */
export function ownerOf(origin: JobOrigin): UsageOwner {
  const { kind, userId, chatId } = origin;
  if (kind !== 'slack' && kind !== 'telegram') return { user: 'admin' };
  const id = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? `${kind}:${value}` : undefined);
  return { user: id(userId) ?? `${kind}:?`, chat: id(chatId) };
}

/** The scopes an owner's tokens count against: the user, the chat (if any), the master. */
export function scopesOf(owner: UsageOwner): BudgetScope[] {
  const scopes: BudgetScope[] = [{ kind: 'user', key: owner.user, budget: 'userDaily' }];
  if (owner.chat !== undefined) scopes.push({ kind: 'chat', key: owner.chat, budget: 'chatDaily' });
  scopes.push({ kind: 'master', budget: 'masterDaily' });
  return scopes;
}

/** How a scope is named in messages: "user telegram:42", "chat slack:C1", "the master". */
export function scopeName(scope: UsageScope): string {
  return scope.kind === 'master' ? 'the master' : `${scope.kind} ${scope.key}`;
}

/** "user telegram:42 used 12,345 of 10,000 tokens today". */
export function overBudgetMessage(scope: UsageScope, used: number, budget: number): string {
  return `${scopeName(scope)} used ${used.toLocaleString('en-US')} of ${budget.toLocaleString('en-US')} tokens today`;
}

/**
 * Recorded token usage and the daily budgets: reports (`GET /api/usage`, `/usage` in a chat) and
 * the figures budget checks start from. Budgets saved through the API win over the environment's;
 * they are kept in memory, read from the store by `load()` at start and again whenever another
 * master sharing the store saved them (`config`), in force from then on. Reads and saves run one
 * at a time, so that a read never undoes a save under way.
 */
export class UsageService {
  private saved: Budgets | undefined;
  /** Reads and saves of the budgets, one at a time. */
  private readonly queue = new OneAtATime();

  constructor(
    private readonly store: Pick<Store, 'usage' | 'settings' | 'commit'>,
    private readonly defaults: Budgets,
    private readonly log: Logger,
    private readonly config: ConfigChanges = SOLO_CONFIG,
  ) {
    config.onChanged('budgets', () => this.queue.run(() => this.reload()));
  }

  /** Reads the budgets saved through the API; until then (and without any) the environment's are in force. */
  load(): Promise<void> {
    return this.queue.run(async () => {
      this.saved = await this.store.settings.budgets();
    });
  }

  /** Records a job's own tokens when it ends. */
  record(jobId: number, owner: UsageOwner, node: string | undefined, tokens: TokenCount, at = new Date()): void {
    this.store.usage.record({ jobId, day: utcDay(at), user: owner.user, chat: owner.chat, node, tokens });
  }

  /** Tokens of ended jobs today, for one scope. */
  today(scope: UsageScope): Promise<TokenCount> {
    return this.store.usage.dayTotal(scope, utcDay());
  }

  /** The budgets in force (from memory). */
  budgets(): FullBudgets {
    return full(this.saved ?? this.defaults);
  }

  /** Replaces the budgets (a field left out or `null`: no cap); resolves once they are durable, and in force. */
  saveBudgets(budgets: Budgets): Promise<FullBudgets> {
    return this.queue.run(async () => {
      const saved = full(budgets);
      this.store.settings.saveBudgets(saved, isoNow());
      this.config.changed('budgets');
      await settled(this.store.commit());
      this.saved = saved;
      this.log.info(saved, 'budgets saved');
      return saved;
    });
  }

  /** The last `days` days (UTC, today included): totals, by day, user, chat and node. */
  async report(days: number): Promise<UsageReport> {
    const to = utcDay();
    const from = utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - (Math.min(days, MAX_USAGE_DAYS) - 1) * DAY_MS));
    const [stored, users, chats, nodes] = await Promise.all((['day', 'user', 'chat', 'node'] as const).map((group) => this.store.usage.sums(group, from, to)));
    const byDate = new Map((stored ?? []).map((row) => [row.key, row]));
    // Every day of the period, quiet ones too: a chart of them has no gaps to guess at.
    const byDay = Array.from({ length: Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1 }, (_, i) => {
      const day = utcDay(new Date(Date.parse(from) + i * DAY_MS));
      return byDate.get(day) ?? { key: day, jobs: 0, tokens: { input: 0, output: 0, total: 0 } };
    });
    const total = byDay.reduce(
      (sum, row) => ({ jobs: sum.jobs + row.jobs, tokens: { input: sum.tokens.input + row.tokens.input, output: sum.tokens.output + row.tokens.output, total: sum.tokens.total + row.tokens.total } }),
      { jobs: 0, tokens: { input: 0, output: 0, total: 0 } },
    );
    return { from, to, total, days: byDay, users: users ?? [], chats: chats ?? [], nodes: nodes ?? [], budgets: this.budgets() };
  }

  /** Another master saved budgets (or a signal may have been missed): the stored ones are in force. */
  private async reload(): Promise<void> {
    const stored = await this.store.settings.budgets();
    if (isDeepStrictEqual(stored, this.saved)) return;
    this.saved = stored;
    this.log.info(this.budgets(), 'budgets saved on another master');
  }
}

function full(budgets: Budgets): FullBudgets {
  return { userDaily: budgets.userDaily ?? null, chatDaily: budgets.chatDaily ?? null, masterDaily: budgets.masterDaily ?? null };
}
