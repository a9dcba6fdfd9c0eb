import { FINAL_JOB_STATUSES } from '../../../protocol/index.js';
import type { SeqKind } from '../delta-folding.js';
import type { EndedCursor, EndedJob, JobMaintenance, LogState } from '../job-maintenance.js';
import type { Commit } from '../unit-of-work.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

/** `'succeeded', 'failed', …`: the final states, spelled into the SQL once. */
const FINAL = [...FINAL_JOB_STATUSES].map((status) => `'${status}'`).join(', ');

const SQL = {
  // The row value walks (finished_at, id) in the partial index's order from the cursor on.
  ended: `
    SELECT id, finished_at AS "finishedAt", log_state AS "logState" FROM jobs
    WHERE finished_at IS NOT NULL AND (finished_at, id) > ($1::text, $2::bigint) AND finished_at < $3 AND status IN (${FINAL})
    ORDER BY finished_at, id LIMIT $4`,
  lastSeq: 'SELECT coalesce(max(seq), 0) AS seq FROM job_events WHERE job_id = $1',
  kinds: 'SELECT seq, kind FROM job_events WHERE job_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
  deleteAt: 'DELETE FROM job_events WHERE job_id = $1 AND seq = ANY($2::bigint[])',
  deleteBelow: 'DELETE FROM job_events WHERE job_id = $1 AND seq IN (SELECT seq FROM job_events WHERE job_id = $1 AND seq < $2 ORDER BY seq LIMIT $3)',
  setLogState: 'UPDATE jobs SET log_state = $1 WHERE id = $2',
  deleteKeys: 'DELETE FROM job_idempotency_keys WHERE key IN (SELECT key FROM job_idempotency_keys WHERE created_at < $1 LIMIT $2)',
  continued: `SELECT 1 AS one FROM jobs WHERE continue_from = $1 AND status NOT IN (${FINAL}) LIMIT 1`,
  unlink: `UPDATE jobs SET continue_from = NULL WHERE continue_from = $1 AND status IN (${FINAL})`,
  deleteJobKeys: 'DELETE FROM job_idempotency_keys WHERE job_id = $1',
  // What still refers to the job keeps it (SQLite would refuse the delete): a refusal here would
  // abort the unit of work, and every write beside it.
  deleteJob: `
    DELETE FROM jobs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM jobs WHERE continue_from = $1)
      AND NOT EXISTS (SELECT 1 FROM job_events WHERE job_id = $1)`,
} as const;

/**
 * `JobMaintenance` on PostgreSQL: the statements of SQLite's (`SqliteJobMaintenance`), each a range
 * of an index with a limit. Deletes join the turn's transaction and resolve with their counts.
 */
export class PgJobMaintenance implements JobMaintenance {
  constructor(private readonly uow: PgUnitOfWork) {}

  async endedBefore(before: string, after: EndedCursor | undefined, limit: number): Promise<EndedJob[]> {
    const values = [after?.finishedAt ?? '', after?.id ?? 0, before, limit];
    return (await this.uow.read<EndedJob>({ name: 'csc_sweep_ended', text: SQL.ended, values })).rows;
  }

  async lastSeq(jobId: number): Promise<number> {
    const { rows } = await this.uow.read<{ seq: number }>({ name: 'csc_sweep_last_seq', text: SQL.lastSeq, values: [jobId] });
    return rows[0]?.seq ?? 0;
  }

  async eventKinds(jobId: number, belowSeq: number, limit: number): Promise<SeqKind[]> {
    return (await this.uow.read<SeqKind>({ name: 'csc_sweep_kinds', text: SQL.kinds, values: [jobId, belowSeq, limit] })).rows;
  }

  async deleteEventsAt(jobId: number, seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0;
    return (await this.uow.run({ name: 'csc_sweep_delete_at', text: SQL.deleteAt, values: [jobId, seqs] })).rowCount ?? 0;
  }

  async deleteEventsBelow(jobId: number, belowSeq: number, limit: number): Promise<number> {
    return (await this.uow.run({ name: 'csc_sweep_delete_below', text: SQL.deleteBelow, values: [jobId, belowSeq, limit] })).rowCount ?? 0;
  }

  setLogState(jobId: number, state: LogState): void {
    this.uow.write({ name: 'csc_sweep_log_state', text: SQL.setLogState, values: [state, jobId] });
  }

  async deleteKeysBefore(before: string, limit: number): Promise<number> {
    return (await this.uow.run({ name: 'csc_sweep_delete_keys', text: SQL.deleteKeys, values: [before, limit] })).rowCount ?? 0;
  }

  async continuedByUnfinished(jobId: number): Promise<boolean> {
    return (await this.uow.read({ name: 'csc_sweep_continued', text: SQL.continued, values: [jobId] })).rows.length > 0;
  }

  async deleteJob(jobId: number): Promise<boolean> {
    this.uow.write({ name: 'csc_sweep_unlink', text: SQL.unlink, values: [jobId] });
    // Its keys went by age already (they are made with the job); one that did not must not block the delete.
    this.uow.write({ name: 'csc_sweep_delete_job_keys', text: SQL.deleteJobKeys, values: [jobId] });
    return ((await this.uow.run({ name: 'csc_sweep_delete_job', text: SQL.deleteJob, values: [jobId] })).rowCount ?? 0) > 0;
  }

  commit(): Commit {
    return this.uow.commit();
  }
}
