import type { JobEvent, SequencedJobEvent } from '../../../protocol/index.js';
import { FOLD_BOUNDARY_KINDS, coveredDeltas, type SeqKind } from '../delta-folding.js';
import { SNIPPET_CHARS, eventText, snippetAround } from '../event-text.js';
import type { JobLog, LogMatch, LogPage, LogPageQuery, LogSearchQuery } from '../job-log.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

interface EventRow extends SeqKind {
  at: string;
  event: string;
}

/** Rows read per query while folding: covered deltas are many, so a page may take a few reads. */
const MIN_CHUNK = 500;
/** Candidate rows per query while searching (the text filter in SQL is a superset of a match). */
const SEARCH_CHUNK = 200;
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;
const BOUNDARY_KINDS = FOLD_BOUNDARY_KINDS.map((kind) => `'${kind}'`).join(', ');

const isBoundary = (row: SeqKind): boolean => (FOLD_BOUNDARY_KINDS as readonly string[]).includes(row.kind);

/**
 * The deltas of an ascending window that a later message covers. `next` (the first message or new
 * attempt after the window) is asked for only when the window ends in deltas it cannot judge.
 */
async function foldWindow(rows: readonly SeqKind[], next: () => Promise<SeqKind | undefined>): Promise<Set<number>> {
  let undecided = false;
  for (let i = rows.length - 1; i >= 0 && !isBoundary(rows[i]!); i--) undecided ||= rows[i]!.kind === 'agent_message_delta';
  const after = undecided ? await next() : undefined;
  return coveredDeltas(after ? [...rows, after] : rows);
}

/** `read`, called at most once. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= read());
}

function decoded(row: EventRow): SequencedJobEvent {
  return { seq: row.seq, at: row.at, event: JSON.parse(row.event) as JobEvent };
}

/**
 * A needle for SQL's `strpos` over the stored JSON text: escaped as JSON escapes it, so quotes,
 * backslashes and newlines match, and lowered like `lower()` lowers under the column's "C"
 * collation (ASCII only, as SQLite's `lower()`).
 */
function storedNeedle(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * `JobLog` on PostgreSQL, the same walk as SQLite's (`SqliteJobLog`): ranges of the (job_id, seq)
 * primary key, read in chunks, folded by `coveredDeltas`, matched on `eventText`. The event's kind
 * is a column of its own here, so no row's JSON is parsed by the server.
 */
export class PgJobLog implements JobLog {
  constructor(private readonly uow: PgUnitOfWork) {}

  page(jobId: number, query: LogPageQuery): Promise<LogPage> {
    if (query.before !== undefined) return this.older(jobId, query.before, query.limit, query.fold);
    return this.newer(jobId, query.after, query.limit, query.fold);
  }

  async search(jobId: number, { text, limit, before, fold }: LogSearchQuery): Promise<LogMatch[]> {
    const needle = storedNeedle(text);
    const wanted = text.toLowerCase();
    const matches: LogMatch[] = [];
    for (let cursor = before ?? NO_UPPER_BOUND; matches.length < limit; ) {
      const rows = await this.candidates(jobId, cursor, needle);
      for (const row of rows) {
        const event = JSON.parse(row.event) as JobEvent;
        const human = eventText(event);
        // The SQL filter also matched field names and other fields: only the human text counts.
        if (!human.toLowerCase().includes(wanted)) continue;
        if (fold && event.kind === 'agent_message_delta' && (await this.covered(jobId, row.seq))) continue;
        matches.push({ seq: row.seq, kind: event.kind, text: snippetAround(human, text) ?? human.slice(0, SNIPPET_CHARS) });
        if (matches.length === limit) break;
      }
      if (rows.length < SEARCH_CHUNK) break;
      cursor = rows.at(-1)!.seq;
    }
    return matches;
  }

  /** The events after `after`, ascending; `more`: a newer one exists past the page. */
  private async newer(jobId: number, after: number, limit: number, fold: boolean): Promise<LogPage> {
    const chunk = fold ? Math.max(limit + 1, MIN_CHUNK) : limit + 1;
    const kept: EventRow[] = [];
    for (let cursor = after; ; ) {
      const rows = await this.ascending(jobId, cursor, chunk);
      const covered = fold ? await foldWindow(rows, () => this.boundary(jobId, rows.at(-1)!.seq)) : new Set<number>();
      for (const row of rows) {
        if (covered.has(row.seq)) continue;
        if (kept.length === limit) return { events: kept.map(decoded), more: true };
        kept.push(row);
      }
      if (rows.length < chunk) return { events: kept.map(decoded), more: false };
      cursor = rows.at(-1)!.seq;
    }
  }

  /** The newest `limit` events before `before`, ascending; `more`: an older one exists. */
  private async older(jobId: number, before: number, limit: number, fold: boolean): Promise<LogPage> {
    const chunk = fold ? Math.max(limit + 1, MIN_CHUNK) : limit + 1;
    const kept: EventRow[] = [];
    // What follows the window being judged: for the first, the log from `before` on; for the next
    // ones, the first message or new attempt of the window read before (it lies just above).
    let above = once(() => this.boundary(jobId, before - 1));
    for (let cursor = before; ; ) {
      const rows = await this.descending(jobId, cursor, chunk);
      const window = rows.toReversed();
      const covered = fold ? await foldWindow(window, above) : new Set<number>();
      for (const row of rows) {
        if (covered.has(row.seq)) continue;
        if (kept.length === limit) return { events: kept.reverse().map(decoded), more: true };
        kept.push(row);
      }
      if (rows.length < chunk) return { events: kept.reverse().map(decoded), more: false };
      const first = window.find(isBoundary);
      if (first) above = () => Promise.resolve(first);
      cursor = rows.at(-1)!.seq;
    }
  }

  /** Whether a later message of the same attempt covers the delta at `seq`. */
  private async covered(jobId: number, seq: number): Promise<boolean> {
    return (await foldWindow([{ seq, kind: 'agent_message_delta' }], () => this.boundary(jobId, seq))).has(seq);
  }

  private async ascending(jobId: number, after: number, limit: number): Promise<EventRow[]> {
    const text = 'SELECT seq, at, kind, event FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3';
    return (await this.uow.read<EventRow>({ name: 'csc_log_ascending', text, values: [jobId, after, limit] })).rows;
  }

  private async descending(jobId: number, before: number, limit: number): Promise<EventRow[]> {
    const text = 'SELECT seq, at, kind, event FROM job_events WHERE job_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3';
    return (await this.uow.read<EventRow>({ name: 'csc_log_descending', text, values: [jobId, before, limit] })).rows;
  }

  /** The first message or new attempt after `after`. */
  private async boundary(jobId: number, after: number): Promise<SeqKind | undefined> {
    const text = `SELECT seq, kind FROM job_events WHERE job_id = $1 AND seq > $2 AND kind IN (${BOUNDARY_KINDS}) ORDER BY seq LIMIT 1`;
    return (await this.uow.read<SeqKind>({ name: 'csc_log_boundary', text, values: [jobId, after] })).rows[0];
  }

  /** Events below `before` whose stored JSON holds the needle, newest first (a scan of the job's key range). */
  private async candidates(jobId: number, before: number, needle: string): Promise<Array<{ seq: number; event: string }>> {
    const text = 'SELECT seq, event FROM job_events WHERE job_id = $1 AND seq < $2 AND strpos(lower(event), $3) > 0 ORDER BY seq DESC LIMIT $4';
    return (await this.uow.read<{ seq: number; event: string }>({ name: 'csc_log_candidates', text, values: [jobId, before, needle, SEARCH_CHUNK] })).rows;
  }
}
