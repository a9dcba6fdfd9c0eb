import type Database from 'better-sqlite3';
import type { TokenCount } from '../../protocol/index.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';
import type { UsageRecord, UsageScope, UsageStore, UsageSum } from './usage-store.js';

interface SumRow {
  key: string | null;
  jobs: number;
  input: number;
  output: number;
  total: number;
}

const SUMS = 'count(*) AS jobs, ifnull(sum(input), 0) AS input, ifnull(sum(output), 0) AS output, ifnull(sum(total), 0) AS total';
/** Columns a report groups by: fixed names, never from a request. */
const GROUPS = { day: 'day', user: 'user', chat: 'chat', node: 'node' } as const;

function tokens(row: SumRow): TokenCount {
  return { input: row.input, output: row.output, total: row.total };
}

/** `UsageStore` on the master's SQLite database (`job_usage`, migration 0009). */
export class SqliteUsageStore implements UsageStore {
  private readonly insert: Database.Statement<[number, string, string, string | null, string | null, number, number, number]>;
  private readonly grouped: Record<keyof typeof GROUPS, Database.Statement<[string, string], SumRow>>;
  private readonly masterTotal: Database.Statement<[string], SumRow>;
  private readonly scopeTotals: Record<'user' | 'chat', Database.Statement<[string, string], SumRow>>;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.insert = db.prepare('INSERT OR IGNORE INTO job_usage (job_id, day, user, chat, node, input, output, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const group = (column: string) => db.prepare<[string, string], SumRow>(`SELECT ${column} AS key, ${SUMS} FROM job_usage WHERE day BETWEEN ? AND ? GROUP BY ${column} ORDER BY ${column === 'day' ? 'day' : 'total DESC, key'}`);
    this.grouped = { day: group(GROUPS.day), user: group(GROUPS.user), chat: group(GROUPS.chat), node: group(GROUPS.node) };
    this.masterTotal = db.prepare(`SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = ?`);
    this.scopeTotals = {
      user: db.prepare(`SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = ? AND user = ?`),
      chat: db.prepare(`SELECT NULL AS key, ${SUMS} FROM job_usage WHERE day = ? AND chat = ?`),
    };
  }

  record(usage: UsageRecord): void {
    this.tx.open();
    const { input, output, total } = usage.tokens;
    this.insert.run(usage.jobId, usage.day, usage.user, usage.chat ?? null, usage.node ?? null, input, output, total);
  }

  sums(group: 'day' | 'user' | 'chat' | 'node', from: string, to: string): Promise<UsageSum[]> {
    // A job without a chat (the API's) or a node (ended before it ran) has no row of its own in those tables.
    return ranNow(() =>
      this.grouped[group]
        .all(from, to)
        .filter((row): row is SumRow & { key: string } => row.key !== null)
        .map((row) => ({ key: row.key, jobs: row.jobs, tokens: tokens(row) })),
    );
  }

  dayTotal(scope: UsageScope, day: string): Promise<TokenCount> {
    return ranNow(() => {
      const row = scope.kind === 'master' ? this.masterTotal.get(day) : this.scopeTotals[scope.kind].get(day, scope.key);
      return row ? tokens(row) : { input: 0, output: 0, total: 0 };
    });
  }
}
