import { FINAL_JOB_STATUSES, type SequencedJobEvent } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { JobRecord } from '../store/index.js';
import { mirror, release, type EngineParts } from './engine-parts.js';
import { OUT, type JobInterest } from './ledger.js';

/** Events read per page when catching the watchers up on another master's job. */
const PAGE = 1000;
/** At most this many events per update: a master far behind tells the rest by `lastSeq` (followers read them from the store). */
const MAX_EVENTS = 10 * PAGE;
/** Jobs remembered (what the watchers were last told of each), at most; the oldest are forgotten first. */
const REMEMBERED = 10_000;
/** How long a read that failed waits before it is tried again. */
const RETRY_MS = 1000;

/** A job another master changed, as read back. */
interface Read {
  id: number;
  job: JobRecord | undefined;
  /** Its owner, read when it is held here out on a node that is away (undefined otherwise, or none). */
  owner: string | undefined;
  asked: boolean;
  predecessor: JobRecord | undefined;
  /** The seq the watchers had been told of (undefined: never told, nothing to catch up on). */
  since: number | undefined;
  events: SequencedJobEvent[];
}

/**
 * Jobs other masters changed (`Fleet.onRemoteJobs`), read back from the store: a queued one joins
 * this master's copy of the queue, one owned by another master or finished leaves memory here
 * without anything done to it (no timers, no finish of this master's own), and the watchers
 * (`JobService.watch`) hear of each with the events stored since they last did. A job held here,
 * out on a node connected here, is this master's own: its signals are its own writes, not read.
 * A job not held here that the signal says is not queued (out on another master's node, or
 * finished) matters to the watchers alone: it is read only if one wants it (`JobLedger.wanted`),
 * its events only if one wants those; most of another master's signals are of such jobs.
 * One batch at a time; what comes meanwhile is read after it (each job once).
 */
export class RemoteJobs {
  /** Job id → whether it may be queued (some signal said so, or did not say). */
  private readonly pending = new Map<number, boolean>();
  private draining = false;
  private closed = false;
  /** Job id → the last seq the watchers were told of, for jobs not held here. */
  private readonly seen = new Map<number, number>();
  /** Job id → the final state the watchers were last told of (`stateOf`): an echo of it is not told again. */
  private readonly finals = new Map<number, string>();

  constructor(
    private readonly fleet: Pick<Fleet, 'owner' | 'masterId'>,
    private readonly parts: EngineParts,
    private readonly claiming: (id: number) => boolean,
  ) {}

  /**
   * Jobs another master changed (or every unfinished one, after a lost signal connection);
   * `queued`: those that may be queued now (undefined: any may be).
   */
  changed(ids: readonly number[], queued?: ReadonlySet<number>): void {
    if (this.closed) return;
    for (const id of ids) if (!this.ours(id)) this.pending.set(id, this.pending.get(id) === true || queued === undefined || queued.has(id));
    if (!this.draining && this.pending.size > 0) void this.drain();
  }

  /** A job left memory here at `lastSeq`: the watchers hear of it from there on. */
  left(id: number, lastSeq: number): void {
    remember(this.seen, id, lastSeq);
  }

  /**
   * A watcher starts wanting a job it read at `lastSeq` (a bridge following it again): unless the
   * watchers are told of it already, the next read tells the events after that, not none.
   */
  wantedFrom(id: number, lastSeq: number): void {
    if (!this.ours(id) && !this.seen.has(id)) remember(this.seen, id, lastSeq);
  }

  /** A job is held here now: memory tells its watchers. */
  taken(id: number): void {
    this.seen.delete(id);
  }

  /** The watchers were told of this final state (by this master): its echo from the store is not news. */
  told(job: JobRecord): void {
    remember(this.finals, job.id, stateOf(job));
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
  }

  /** Held here out on a node connected here, or being claimed here: this master's own. */
  private ours(id: number): boolean {
    if (this.claiming(id)) return true;
    const local = this.parts.jobs.active.get(id);
    return local !== undefined && local.node !== undefined && OUT.includes(local.status) && this.parts.pool.has(local.node);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.size > 0 && !this.closed) {
        const ids = new Map(this.pending);
        this.pending.clear();
        await this.batch(ids);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Reads the jobs (id → whether it may be queued) that matter here, and takes them in. */
  private async batch(ids: ReadonlyMap<number, boolean>): Promise<void> {
    const { store, gate, log } = this.parts;
    let reads: Read[];
    try {
      // This master's own writes so far are read back as the store has them, not older.
      await store.whenCommitted().catch(() => undefined);
      await gate.opened();
      const wanted = [...ids].flatMap(([id, queued]) => this.needed(id, queued));
      if (wanted.length === 0) return;
      reads = await Promise.all(wanted.map(([id, interest]) => this.read(id, interest)));
    } catch (error) {
      log.error({ err: error, jobs: ids.size }, `could not read back jobs other masters changed: trying again in ${RETRY_MS / 1000} s`);
      const queued = new Set([...ids].filter(([, maybe]) => maybe).map(([id]) => id));
      setTimeout(() => this.changed([...ids.keys()], queued), RETRY_MS).unref();
      return;
    }
    await new Promise<void>((resolve) => {
      gate.run(() => {
        try {
          for (const read of reads) this.apply(read);
          this.parts.dispatch();
        } catch (error) {
          log.error({ err: error }, 'could not take in jobs other masters changed');
        } finally {
          resolve();
        }
      });
    });
  }

  /**
   * Whether a job must be read, and with what (`[id, interest]`, none: not read). Held here or
   * perhaps queued, it is read for this master's memory; otherwise for the watchers alone, if one
   * wants it. One not read is forgotten: once wanted, it is told from then on, without the events
   * before (a log follower reads those from the store itself, by its last seq).
   */
  private needed(id: number, queued: boolean): Array<[number, JobInterest | undefined]> {
    const interest = this.parts.jobs.wanted(id);
    if (interest !== undefined || queued || this.parts.jobs.active.has(id)) return [[id, interest]];
    this.seen.delete(id);
    return [];
  }

  private async read(id: number, interest: JobInterest | undefined): Promise<Read> {
    const { store, jobs } = this.parts;
    const job = await store.get(id);
    const local = jobs.active.get(id);
    const asked = local !== undefined && OUT.includes(local.status);
    const owner = asked ? await this.fleet.owner(id) : undefined;
    const predecessor = job?.status === 'queued' && job.continueFrom !== undefined && local?.status !== 'queued' ? await store.get(job.continueFrom) : undefined;
    const since = local?.lastSeq ?? this.seen.get(id);
    const events = job !== undefined && since !== undefined && job.lastSeq > since && interest === 'events' ? await this.eventsBetween(id, since, job.lastSeq) : [];
    return { id, job, owner, asked, predecessor, since, events };
  }

  /** Takes a read back in, as memory is now (it may have changed while the store answered). */
  private apply({ id, job, owner, asked, predecessor, since, events }: Read): void {
    if (this.ours(id)) return;
    const { jobs } = this.parts;
    const local = jobs.active.get(id);
    if (local !== undefined && OUT.includes(local.status)) {
      // Out on a node that is away: still this master's unless the store says otherwise.
      if (!asked || owner === this.fleet.masterId) return;
      release(this.parts, id);
    } else if (local !== undefined) {
      // Read before this master's own latest change to it: a later signal brings the next.
      if (job !== undefined && (job.attempt < local.attempt || job.lastSeq < local.lastSeq)) return;
      if (job?.status === 'queued') {
        if (job.attempt === local.attempt && job.lastSeq === local.lastSeq) return;
        jobs.admit(job, undefined);
        return jobs.notifyWatchers(job, fresh(events, since));
      }
      release(this.parts, id);
    }
    if (job === undefined) {
      this.seen.delete(id);
      return;
    }
    if (job.status === 'queued') {
      this.seen.delete(id);
      mirror(this.parts, job, predecessor);
    } else if (FINAL_JOB_STATUSES.has(job.status)) {
      this.seen.delete(id);
      const state = stateOf(job);
      if (this.finals.get(id) === state) return;
      remember(this.finals, id, state);
    } else remember(this.seen, id, Math.max(job.lastSeq, since ?? 0));
    jobs.notifyWatchers(job, fresh(events, since));
  }

  /** The events after `after` up to `last`, a page at a time (at most `MAX_EVENTS`). */
  private async eventsBetween(id: number, after: number, last: number): Promise<SequencedJobEvent[]> {
    const all: SequencedJobEvent[] = [];
    let from = after;
    while (from < last && all.length < MAX_EVENTS) {
      const page = await this.parts.store.events(id, from, Math.min(PAGE, last - from));
      const end = page.at(-1);
      if (end === undefined) break;
      all.push(...page);
      from = end.seq;
    }
    return all;
  }
}

function fresh(events: readonly SequencedJobEvent[], since: number | undefined): SequencedJobEvent[] {
  return since === undefined ? [] : events.filter((e) => e.seq > since);
}

/** What tells one final state of a job from another: a publication afterwards is news. */
function stateOf(job: JobRecord): string {
  const publication = job.result?.publication;
  return `${job.status}:${job.lastSeq}:${publication === undefined ? '' : JSON.stringify(publication)}`;
}

/** Sets `id` in a map kept to `REMEMBERED` entries, the oldest forgotten first. */
function remember<T>(map: Map<number, T>, id: number, value: T): void {
  map.delete(id);
  map.set(id, value);
  if (map.size <= REMEMBERED) return;
  const oldest = map.keys().next();
  if (oldest.done !== true) map.delete(oldest.value);
}
