import type { TokenCount } from '../../protocol/index.js';

/** One job's own usage, recorded when it ends. */
export interface UsageRecord {
  jobId: number;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** `<platform>:<userId>`, or `admin` for the API and the dashboard. */
  user: string;
  /** `<platform>:<chatId>`; none for the API. */
  chat?: string | undefined;
  node?: string | undefined;
  tokens: TokenCount;
}

/** Jobs and tokens summed over a group of usage records. */
export interface UsageSum {
  key: string;
  jobs: number;
  tokens: TokenCount;
}

/** Whose usage a sum counts: everyone's, one user's, or one chat's. */
export type UsageScope = { kind: 'master' } | { kind: 'user'; key: string } | { kind: 'chat'; key: string };

/**
 * Token usage per job. Writes join the current unit of work like every other write.
 */
export interface UsageStore {
  /** Records a job's usage; a job is recorded once (a second record of it is ignored). */
  record(usage: UsageRecord): void;
  /** Sums for the days `from`..`to` (inclusive), grouped by day, user, chat or node. */
  sums(group: 'day' | 'user' | 'chat' | 'node', from: string, to: string): Promise<UsageSum[]>;
  /** Tokens of one scope on one day. */
  dayTotal(scope: UsageScope, day: string): Promise<TokenCount>;
}
