import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, type SequencedJobEvent, type TokenCount } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { JobOrigin, JobRecord } from '../store/index.js';
import { overBudgetMessage, ownerOf, scopesOf, type BudgetScope, type UsageOwner, type UsageService } from '../usage/index.js';
import type { JobUpdate } from './types.js';

/** A running job's usage so far, from its `token_usage` events. */
interface Running {
  owner: UsageOwner;
  tokens: TokenCount;
}

/** What the watch needs of the job service. */
export interface WatchedJobs {
  subscribe(listener: (update: JobUpdate) => void): () => void;
  /** Ends a job at once, the master recording the end (its node is told to stop). */
  stop(id: number, status: 'cancelled', error: string): void;
}

/**
 * Token budgets, enforced: a create whose user, chat or master has already spent its day's budget
 * is refused (`over_budget`), and a running job whose usage takes one of them over is cancelled
 * with the figures. Also records every job's own usage when it ends. A running job's usage is its
 * latest `token_usage` event (the job's own running total), counted with the day's ended jobs.
 * The day's figures are read from the store, asynchronously: one check per running job at a time,
 * and a job whose usage changed meanwhile is checked again after it.
 */
export class UsageWatch {
  private readonly running = new Map<number, Running>();
  /** Running jobs being checked now; true: their usage changed since the check began. */
  private readonly checking = new Map<number, boolean>();

  constructor(
    private readonly jobs: WatchedJobs,
    private readonly usage: Pick<UsageService, 'today' | 'budgets' | 'record'>,
    private readonly log: Logger,
  ) {
    jobs.subscribe((update) => this.onUpdate(update));
  }

  /** Rejects with `over_budget` when a job of this origin may not start today. */
  async checkCreate(origin: JobOrigin): Promise<void> {
    const over = await this.overBudget(ownerOf(origin));
    if (over !== undefined) throw new CodedError('over_budget', `${over}; no new jobs until the budget resets at 00:00 UTC`);
  }

  private onUpdate({ job, events }: JobUpdate): void {
    if (FINAL_JOB_STATUSES.has(job.status)) return this.ended(job);
    const latest = events.reduce<TokenCount | undefined>((last, e) => (e.event.kind === 'token_usage' ? tokensOf(e) : last), undefined);
    if (latest === undefined) return;
    const owner = this.running.get(job.id)?.owner ?? ownerOf(job.origin);
    this.running.set(job.id, { owner, tokens: latest });
    this.check(job.id, owner);
  }

  /** Cancels the job if its owner is over a budget; after the listeners have heard of this update, as the check reads first. */
  private check(jobId: number, owner: UsageOwner): void {
    if (this.checking.has(jobId)) {
      this.checking.set(jobId, true);
      return;
    }
    this.checking.set(jobId, false);
    this.overBudget(owner)
      .then((over) => {
        if (over === undefined || !this.running.has(jobId)) return;
        this.log.warn({ job: jobId, over }, 'over budget: cancelling the job');
        this.jobs.stop(jobId, 'cancelled', `cancelled: over budget (${over})`);
      })
      .catch((error: unknown) => this.log.error({ err: error, job: jobId }, 'could not check a running job against the budgets'))
      .finally(() => {
        const again = this.checking.get(jobId) === true;
        this.checking.delete(jobId);
        if (again && this.running.has(jobId)) this.check(jobId, owner);
      });
  }

  private ended(job: JobRecord): void {
    const running = this.running.get(job.id);
    this.running.delete(job.id);
    // A job the master ended itself (over budget, timed out) has no result: its usage so far counts.
    const tokens = job.result?.tokens ?? running?.tokens;
    if (tokens === undefined || tokens.total === 0) return;
    this.usage.record(job.id, running?.owner ?? ownerOf(job.origin), job.node, clean(tokens));
  }

  /** The first of the owner's scopes at or over its budget, as a message; none: all under. */
  private async overBudget(owner: UsageOwner): Promise<string | undefined> {
    const budgets = this.usage.budgets();
    const scopes = scopesOf(owner).filter((scope) => budgets[scope.budget] !== null);
    const ended = await Promise.all(scopes.map((scope) => this.usage.today(scope)));
    for (const [i, scope] of scopes.entries()) {
      const budget = budgets[scope.budget];
      const used = (ended[i]?.total ?? 0) + this.runningTotal(scope);
      if (budget !== null && used >= budget) return overBudgetMessage(scope, used, budget);
    }
    return undefined;
  }

  /** The running jobs' tokens so far in a scope (counted after the day's figures are read: they are the latest). */
  private runningTotal(scope: BudgetScope): number {
    let used = 0;
    for (const { owner, tokens } of this.running.values()) if (scopesOf(owner).some((s) => sameScope(s, scope))) used += tokens.total;
    return used;
  }
}

function sameScope(a: BudgetScope, b: BudgetScope): boolean {
  return a.kind === b.kind && (a.kind === 'master' || (b.kind !== 'master' && a.key === b.key));
}

function tokensOf(e: SequencedJobEvent): TokenCount | undefined {
  return e.event.kind === 'token_usage' ? clean(e.event) : undefined;
}

/** Counts as the store takes them: whole, never negative. */
function clean(tokens: TokenCount): TokenCount {
  const count = (n: number) => Math.max(0, Math.trunc(n));
  return { input: count(tokens.input), output: count(tokens.output), total: count(tokens.total) };
}
