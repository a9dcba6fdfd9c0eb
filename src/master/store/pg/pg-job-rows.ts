import type { SequencedJobEvent } from '../../../protocol/index.js';
import { jobValues } from '../job-row.js';
import type { JobChanges, NewJob } from '../job-store.js';
import type { Gathering, PgStatement } from './pg-unit-of-work.js';

/**
 * New jobs (without a predecessor: see `PgJobStore.create`), with the ids the store reserved for
 * them, in one statement per turn.
 */
const INSERT_JOBS = `
  INSERT INTO jobs (id, status, prompt, target_node, target_tags, repo, ref, profile, origin, continue_from, max_attempts, timeout_sec, queue_timeout_sec, created_at, profile_name, pipeline, attachments)
  SELECT j.id, 'queued', j.prompt, j.target_node, j.target_tags, j.repo, j.ref, j.profile, j.origin, j.continue_from, j.max_attempts, j.timeout_sec, j.queue_timeout_sec, j.created_at, j.profile_name, j.pipeline, j.attachments
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::float8[], $13::text[], $14::text[], $15::text[], $16::text[])
    AS j (id, prompt, target_node, target_tags, repo, ref, profile, origin, continue_from, max_attempts, timeout_sec, queue_timeout_sec, created_at, profile_name, pipeline, attachments)`;

/** A `JobChanges` key, its column and its SQL type, in the order of the update's arrays. */
const CHANGED: ReadonlyArray<readonly [keyof JobChanges, string, string]> = [
  ['status', 'status', 'text'],
  ['node', 'node', 'text'],
  ['attempt', 'attempt', 'bigint'],
  ['assignedAt', 'assigned_at', 'text'],
  ['startedAt', 'started_at', 'text'],
  ['finishedAt', 'finished_at', 'text'],
  ['result', 'result', 'text'],
  ['error', 'error', 'text'],
  ['questions', 'questions', 'text'],
];

/**
 * Changes of any jobs, of any fields, in one statement: `m` has bit i set when the row sets the
 * i-th column of `CHANGED` (to its value, NULL clearing it); an unset one keeps its value. The
 * `ANY` on the ids gives the planner the primary key to look the rows up by, whatever it
 * estimates of the unnested arrays.
 */
const UPDATE_JOBS = `
  UPDATE jobs SET ${CHANGED.map(([, column], i) => `${column} = CASE WHEN u.m & ${1 << i} = 0 THEN jobs.${column} ELSE u.${column} END`).join(', ')}
  FROM unnest($1::bigint[], $2::int[], ${CHANGED.map(([, , type], i) => `$${i + 3}::${type}[]`).join(', ')})
    AS u (id, m, ${CHANGED.map(([, column]) => column).join(', ')})
  WHERE jobs.id = ANY ($1::bigint[]) AND jobs.id = u.id`;

/**
 * Events of any jobs in one statement (arrays, unnested); seqs stored already are skipped, and so
 * are the events of a job that is not stored (deleted by retention meanwhile), which SQLite would
 * refuse: either way the rest of the unit of work goes on. The jobs that are stored are looked up
 * once, by their ids ($6, each once), in the primary key: a join of the rows with `jobs` was
 * planned as a scan of the whole table (34 ms for 1000 rows beside 20 000 jobs).
 * The ids, seqs, kinds and events come as one text each, joined (`EventRows.statement`).
 * ON CONFLICT is the dearest part (each row inserted speculatively, then confirmed: measured, 15
 * of the server's 85 µs per job of bench:jobs' life cycle), but a NOT EXISTS instead would let a
 * concurrent insert of the same seq (two masters during a node's move) fail the unit of work.
 */
const INSERT_EVENTS = `
  INSERT INTO job_events (job_id, seq, at, kind, event)
  SELECT e.job_id, e.seq, e.at, e.kind, e.event
  FROM unnest(string_to_array($1::text, ',')::bigint[], string_to_array($2::text, ',')::bigint[], $3::text[], string_to_array($4::text, E'\\x1e'), string_to_array($5::text, E'\\x1e'))
    AS e (job_id, seq, at, kind, event)
  WHERE e.job_id = ANY (ARRAY(SELECT id FROM jobs WHERE id = ANY ($6::bigint[])))
  ON CONFLICT DO NOTHING`;

/** Between the kinds, and the events, of `INSERT_EVENTS`'s joined texts. */
const SEPARATOR = '\x1e';

/** Rows per statement at most: a turn that stores a long log at once sends it in parts of this. */
const ROWS_PER_STATEMENT = 5000;

/** The turn's new jobs. */
export class JobRows implements Gathering {
  readonly order = 0;
  private readonly columns: unknown[][] = Array.from({ length: 16 }, () => []);

  get full(): boolean {
    return this.columns[0]!.length >= ROWS_PER_STATEMENT;
  }

  add(id: number, job: NewJob, at: string): void {
    this.columns[0]!.push(id);
    const values = jobValues(job, at);
    for (let i = 0; i < values.length; i++) this.columns[i + 1]!.push(values[i]);
  }

  statement(): PgStatement {
    return { name: 'csc_jobs_insert', text: INSERT_JOBS, values: this.columns };
  }
}

/** The turn's changes of jobs, each job at most once (a second change of one goes in the next statement: see `holds`). */
export class JobChangeRows implements Gathering {
  readonly order = 1;
  private readonly ids = new Set<number>();
  private readonly masks: number[] = [];
  private readonly columns: unknown[][] = CHANGED.map(() => []);

  get full(): boolean {
    return this.masks.length >= ROWS_PER_STATEMENT;
  }

  /** Whether a change of `id` is in here already: a second one in the same statement would be applied or not, unordered. */
  holds(id: number): boolean {
    return this.ids.has(id);
  }

  add(id: number, changes: JobChanges): void {
    let mask = 0;
    for (let i = 0; i < CHANGED.length; i++) {
      const key = CHANGED[i]![0];
      const value = changes[key];
      if (value !== undefined) mask |= 1 << i;
      this.columns[i]!.push(typeof value === 'object' && value !== null ? JSON.stringify(value) : (value ?? null));
    }
    this.ids.add(id);
    this.masks.push(mask);
  }

  statement(): PgStatement {
    return { name: 'csc_jobs_update', text: UPDATE_JOBS, values: [[...this.ids], this.masks, ...this.columns] };
  }
}

/** The events a turn appends, of any jobs (see `INSERT_EVENTS`). */
export class EventRows implements Gathering {
  readonly order = 2;
  private readonly jobIds: number[] = [];
  private readonly seqs: number[] = [];
  private readonly ats: string[] = [];
  private readonly kinds: string[] = [];
  private readonly texts: string[] = [];

  get full(): boolean {
    return this.seqs.length >= ROWS_PER_STATEMENT;
  }

  add(jobId: number, { seq, at, event }: SequencedJobEvent): void {
    this.jobIds.push(jobId);
    this.seqs.push(seq);
    this.ats.push(at);
    this.kinds.push(event.kind);
    this.texts.push(JSON.stringify(event));
  }

  /**
   * Each column but `at` as one text, joined: numbers by commas, kinds and events by U+001E, which
   * neither can hold (kinds are the protocol's names; JSON text escapes every control character),
   * so nothing needs quoting. As arrays, node-postgres quoted and escaped every event (two regular
   * expressions each): measured in bench:jobs 2a, 3 rounds, the same-run ratio to SQLite went from
   * 0.53 to 0.60 (master 220 → 193 µs per job); the store alone spent a fifth less CPU per job.
   * `at` is whatever the node sent, so it stays an array.
   */
  statement(): PgStatement {
    const jobs = [...new Set(this.jobIds)];
    const values = [this.jobIds.join(','), this.seqs.join(','), this.ats, this.kinds.join(SEPARATOR), this.texts.join(SEPARATOR), jobs];
    return { name: 'csc_events_insert', text: INSERT_EVENTS, values };
  }
}
