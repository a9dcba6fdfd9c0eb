import type { TokenCount } from '../../../protocol/index.js';
import type { UsageRecord, UsageScope, UsageStore, UsageSum } from '../usage-store.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

interface SumRow {
  key: string | null;
  jobs: number;
  input: number;
  output: number;
  total: number;
}

/** Sums as bigint (sum() of bigint is numeric, which node-postgres gives as a string). */
const SUMS = 'count(*) AS jobs, coalesce(sum(input), 0)::bigint AS input, coalesce(sum(output), 0)::bigint AS output, coalesce(sum(total), 0)::bigint AS total';
/** Columns a report groups by: fixed names, never from a request. */
const GROUPS = { day: 'day', user: '"user"', chat: 'chat', node: 'node' } as const;
/** A job is recorded once: a second record of it is ignored. */
const INSERT = 'INSERT INTO job_usage (job_id, day, "user", chat, node, input, output, total) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING';
const TOTALS = {
  master: `SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = $1`,
  user: `SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = $1 AND "user" = $2`,
  chat: `SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = $1 AND chat = $2`,
} as const;

function tokens(row: SumRow): TokenCount {
  return { input: row.input, output: row.output, total: row.total };
}

/** `UsageStore` on PostgreSQL (`job_usage`), the sums and orders of SQLite's. */
export class PgUsageStore implements UsageStore {
  constructor(private readonly uow: PgUnitOfWork) {}

  record(usage: UsageRecord): void {
    const { input, output, total } = usage.tokens;
    const values = [usage.jobId, usage.day, usage.user, usage.chat ?? null, usage.node ?? null, input, output, total];
    this.uow.write({ name: 'csc_usage_insert', text: INSERT, values });
  }

  async sums(group: 'day' | 'user' | 'chat' | 'node', from: string, to: string): Promise<UsageSum[]> {
    const column = GROUPS[group];
    const text = `SELECT ${column} AS key, ${SUMS} FROM job_usage WHERE day BETWEEN $1 AND $2 GROUP BY ${column} ORDER BY ${group === 'day' ? 'day' : 'total DESC, key'}`;
    const { rows } = await this.uow.read<SumRow>({ name: `csc_usage_by_${group}`, text, values: [from, to] });
    // A job without a chat (the API's) or a node (ended before it ran) has no row of its own in those tables.
    return rows.filter((row): row is SumRow & { key: string } => row.key !== null).map((row) => ({ key: row.key, jobs: row.jobs, tokens: tokens(row) }));
  }

  async dayTotal(scope: UsageScope, day: string): Promise<TokenCount> {
    const values = scope.kind === 'master' ? [day] : [day, scope.key];
    const { rows } = await this.uow.read<SumRow>({ name: `csc_usage_total_${scope.kind}`, text: TOTALS[scope.kind], values });
    return rows[0] ? tokens(rows[0]) : { input: 0, output: 0, total: 0 };
  }
}
