import type { PgUnitOfWork } from './pg-unit-of-work.js';

/** Ids reserved at a time; about 0.1 s of creates at full load, and no more than that lost when a master stops. */
const BLOCK = 256;
/** A refill is asked for while this many are left, so that creates seldom find none. */
const LOW = BLOCK / 2;

const RESERVE = `
  WITH s AS (SELECT pg_get_serial_sequence('jobs', 'id')::regclass AS seq)
  SELECT nextval(s.seq) AS id FROM s, generate_series(1, $1::int)`;

/**
 * Job ids taken from the jobs' sequence ahead of need, a block at a time, so that a create knows
 * its job's id without a round trip: its insert joins the turn's unit of work like any write, and
 * the job's assignment (dispatched at once) commits with it. Waiting for `RETURNING id` made every
 * job cost two commits and two turns (measured in bench:jobs 2a: see `PgJobStore.create`).
 *
 * For one master ids stay in creation order (FIFO). Masters sharing the database take blocks of
 * their own, so ids interleave across them: a job made on A after one made on B may have the
 * smaller id. So whatever is in order of creation is ordered by (`created_at`, id) instead: the
 * queue a master loads, oldest first (`PgJobStore.withStatus`), and the lists, newest first, paged
 * by id (`PgJobStore.list`; migration 0004's indexes). Ids a master reserved but did not use before
 * it stopped are never used: gaps, harmless in a bigint.
 */
export class JobIds {
  private ids: number[] = [];
  private next = 0;
  private refilling: Promise<void> | undefined;

  constructor(private readonly uow: PgUnitOfWork) {}

  /** A reserved id, or undefined when none is left now (`reserve()` waits for one); refills ahead of need. */
  take(): number | undefined {
    if (this.ids.length - this.next <= LOW) this.refill().catch(() => undefined);
    return this.next < this.ids.length ? this.ids[this.next++] : undefined;
  }

  /** A reserved id, after a refill if none is left; rejects when the refill failed (the turn it ran in was doomed). */
  async reserve(): Promise<number> {
    for (;;) {
      const id = this.take();
      if (id !== undefined) return id;
      await this.refill();
    }
  }

  private refill(): Promise<void> {
    this.refilling ??= this.uow
      .read<{ id: number }>({ name: 'csc_job_ids', text: RESERVE, values: [BLOCK] })
      .then(({ rows }) => {
        this.ids = [...this.ids.slice(this.next), ...rows.map((row) => row.id)];
        this.next = 0;
      })
      .finally(() => {
        this.refilling = undefined;
      });
    return this.refilling;
  }
}
