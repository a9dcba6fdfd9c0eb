import type Database from 'better-sqlite3';
import type { JobEvent, SequencedJobEvent } from '../../protocol/index.js';
import { FOLD_BOUNDARY_KINDS, coveredDeltas, type SeqKind } from './delta-folding.js';
import { SNIPPET_CHARS, eventText, snippetAround } from './event-text.js';
import type { JobLog, LogMatch, LogPage, LogPageQuery, LogSearchQuery } from './job-log.js';
import { ranNow } from './sqlite-read.js';

interface EventRow extends SeqKind {
  at: string;
  event: string;
}

/** Rows read per query while folding: covered deltas are many, so a page may take a few reads. */
const MIN_CHUNK = 500;
/** Candidate rows per query while searching (the text filter in SQL is a superset of a match). */
const SEARCH_CHUNK = 200;
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

const isBoundary = (row: SeqKind): boolean => (FOLD_BOUNDARY_KINDS as readonly string[]).includes(row.kind);

/**
 * The deltas of an ascending window that a later message covers. `next` (the first message or new
 * attempt after the window) is asked for only when the window ends in deltas it cannot judge.
 */
function foldWindow(rows: readonly SeqKind[], next: () => SeqKind | undefined): Set<number> {
  let undecided = false;
  for (let i = rows.length - 1; i >= 0 && !isBoundary(rows[i]!); i--) undecided ||= rows[i]!.kind === 'agent_message_delta';
  const after = undecided ? next() : undefined;
  return coveredDeltas(after ? [...rows, after] : rows);
}

/** `read`, called at most once. */
function once<T>(read: () => T): () => T {
  let value: { read: T } | undefined;
  return () => (value ??= { read: read() }).read;
}

function decoded(row: EventRow): SequencedJobEvent {
  return { seq: row.seq, at: row.at, event: JSON.parse(row.event) as JobEvent };
}

/**
 * A needle for SQL's `instr` over the stored JSON text: escaped as JSON escapes it, so quotes,
 * backslashes and newlines match, and lowered like SQLite's `lower()` lowers (ASCII only).
 */
function storedNeedle(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * `JobLog` on the master's SQLite database: ranges of the (job_id, seq) primary key, read in
 * chunks, so a page of a 200 000-event log costs what a page of a short one does.
 */
export class SqliteJobLog implements JobLog {
  private readonly ascending: Database.Statement<[number, number, number], EventRow>;
  private readonly descending: Database.Statement<[number, number, number], EventRow>;
  private readonly boundary: Database.Statement<[number, number], SeqKind>;
  private readonly candidates: Database.Statement<[number, number, string, number], { seq: number; event: string }>;

  constructor(db: Database.Database) {
    const columns = `seq, at, event ->> '$.kind' AS kind, event`;
    this.ascending = db.prepare(`SELECT ${columns} FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    this.descending = db.prepare(`SELECT ${columns} FROM job_events WHERE job_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`);
    const kinds = FOLD_BOUNDARY_KINDS.map((kind) => `'${kind}'`).join(', ');
    this.boundary = db.prepare(`SELECT seq, event ->> '$.kind' AS kind FROM job_events WHERE job_id = ? AND seq > ? AND event ->> '$.kind' IN (${kinds}) ORDER BY seq LIMIT 1`);
    // A scan of the job's key range; `lower()` copies each row, still ~100 ms for 200 000 events.
    this.candidates = db.prepare('SELECT seq, event FROM job_events WHERE job_id = ? AND seq < ? AND instr(lower(event), ?) > 0 ORDER BY seq DESC LIMIT ?');
  }

  page(jobId: number, query: LogPageQuery): Promise<LogPage> {
    return ranNow(() => (query.before !== undefined ? this.older(jobId, query.before, query.limit, query.fold) : this.newer(jobId, query.after, query.limit, query.fold)));
  }

  search(jobId: number, query: LogSearchQuery): Promise<LogMatch[]> {
    return ranNow(() => this.matches(jobId, query));
  }

  private matches(jobId: number, { text, limit, before, fold }: LogSearchQuery): LogMatch[] {
    const needle = storedNeedle(text);
    const wanted = text.toLowerCase();
    const matches: LogMatch[] = [];
    for (let cursor = before ?? NO_UPPER_BOUND; matches.length < limit; ) {
      const rows = this.candidates.all(jobId, cursor, needle, SEARCH_CHUNK);
      for (const row of rows) {
        const event = JSON.parse(row.event) as JobEvent;
        const human = eventText(event);
        // The SQL filter also matched field names and other fields: only the human text counts.
        if (!human.toLowerCase().includes(wanted)) continue;
        if (fold && event.kind === 'agent_message_delta' && this.covered(jobId, row.seq)) continue;
        matches.push({ seq: row.seq, kind: event.kind, text: snippetAround(human, text) ?? human.slice(0, SNIPPET_CHARS) });
        if (matches.length === limit) break;
      }
      if (rows.length < SEARCH_CHUNK) break;
      cursor = rows.at(-1)!.seq;
    }
    return matches;
  }

  /** The events after `after`, ascending; `more`: a newer one exists past the page. */
  private newer(jobId: number, after: number, limit: number, fold: boolean): LogPage {
    const chunk = fold ? Math.max(limit + 1, MIN_CHUNK) : limit + 1;
    const kept: EventRow[] = [];
    for (let cursor = after; ; ) {
      const rows = this.ascending.all(jobId, cursor, chunk);
      const covered = fold ? foldWindow(rows, () => this.boundary.get(jobId, rows.at(-1)!.seq)) : new Set<number>();
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
  private older(jobId: number, before: number, limit: number, fold: boolean): LogPage {
    const chunk = fold ? Math.max(limit + 1, MIN_CHUNK) : limit + 1;
    const kept: EventRow[] = [];
    // What follows the window being judged: for the first, the log from `before` on; for the next
    // ones, the first message or new attempt of the window read before (it lies just above).
    let above = once(() => this.boundary.get(jobId, before - 1));
    for (let cursor = before; ; ) {
      const rows = this.descending.all(jobId, cursor, chunk);
      const window = rows.toReversed();
      const covered = fold ? foldWindow(window, above) : new Set<number>();
      for (const row of rows) {
        if (covered.has(row.seq)) continue;
        if (kept.length === limit) return { events: kept.reverse().map(decoded), more: true };
        kept.push(row);
      }
      if (rows.length < chunk) return { events: kept.reverse().map(decoded), more: false };
      const first = window.find(isBoundary);
      if (first) above = () => first;
      cursor = rows.at(-1)!.seq;
    }
  }

  /** Whether a later message of the same attempt covers the delta at `seq`. */
  private covered(jobId: number, seq: number): boolean {
    return foldWindow([{ seq, kind: 'agent_message_delta' }], () => this.boundary.get(jobId, seq)).has(seq);
  }
}
