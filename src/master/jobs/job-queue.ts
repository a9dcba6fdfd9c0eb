/** Past this many taken slots at the front, and half the array, the array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Ids of queued jobs, oldest first. Taking jobs from the front costs only what is taken and what
 * is passed over: the jobs waiting behind are neither copied nor moved, so a long queue costs
 * nothing per dispatched job (copying it on every dispatch was a measurable part of a job's cost).
 */
export class JobQueue {
  private ids: number[] = [];
  /** Index of the oldest id in `ids`; the slots before it are spent. */
  private head = 0;

  /**
   * `createdAtOf` gives a queued job's creation time, which orders the queue: with other masters
   * on the database ids are handed out in blocks per master, so they do not follow creation.
   */
  constructor(private readonly createdAtOf: (id: number) => string | undefined = () => undefined) {}

  get length(): number {
    return this.ids.length - this.head;
  }

  push(id: number): void {
    this.ids.push(id);
  }

  /** Puts an id at its place by (creation time, id), so a re-queued job keeps its turn. */
  insert(id: number): void {
    let at = this.ids.length;
    while (at > this.head && this.after(this.ids[at - 1] as number, id)) at--;
    this.ids.splice(at, 0, id);
  }

  /** Whether job `a` was made after job `b` (ids break ties, and stand in for an unknown time). */
  private after(a: number, b: number): boolean {
    const [timeA, timeB] = [this.createdAtOf(a), this.createdAtOf(b)];
    if (timeA === undefined || timeB === undefined || timeA === timeB) return a > b;
    return timeA > timeB;
  }

  remove(id: number): void {
    const at = this.ids.indexOf(id, this.head);
    if (at >= 0) this.ids.splice(at, 1);
  }

  /** Replaces the whole queue (ids oldest first). */
  reset(ids: number[]): void {
    this.ids = ids;
    this.head = 0;
  }

  /**
   * Offers ids oldest first while `more()` holds. An id for which `take` returns true leaves the
   * queue; the others keep their place, ahead of every id not offered.
   */
  drain(more: () => boolean, take: (id: number) => boolean): void {
    const kept: number[] = [];
    let next = this.head;
    for (; next < this.ids.length && more(); next++) {
      const id = this.ids[next] as number;
      if (!take(id)) kept.push(id);
    }
    // The kept ids move up to just before the first id not offered; nothing behind it moves.
    this.head = next - kept.length;
    for (const [i, id] of kept.entries()) this.ids[this.head + i] = id;
    if (this.head > COMPACT_AFTER && this.head * 2 > this.ids.length) this.reset(this.ids.slice(this.head));
  }
}
