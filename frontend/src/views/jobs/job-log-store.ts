import { describeError, streamUrl } from '../../api/client';
import { FINAL_STATUSES, type SequencedJobEvent } from '../../api/types';
import { openStream, type StreamState } from '../../live/stream';
import { EMPTY_LOG, appendEvents, joinLogs, type LogModel } from './log-model';
import { logPages } from './log-pages';

export type LogState = StreamState | 'ended';

/** Part of a job's log held at once: the events loaded, and whether more lie beyond each end. */
interface LogRange {
  model: LogModel;
  olderMore: boolean;
  newerMore: boolean;
}

/** What the log view draws. */
export interface LogSnapshot {
  /** The items shown: the newest part (followed live), or the part around a jumped-to event. */
  log: LogModel;
  state: LogState;
  /** Whether the opening page has arrived (before it the log is not known to be empty). */
  loaded: boolean;
  olderMore: boolean;
  /** Only off the newest part: events between the part shown and the newest. */
  newerMore: boolean;
  /** Showing the part around a jumped-to event, not the newest. */
  detached: boolean;
  busy: 'older' | 'newer' | 'jump' | undefined;
  error: string | undefined;
  /** The event to scroll to and highlight; `jump` counts jumps, so the same event can be jumped to again. */
  target: { seq: number; jump: number } | undefined;
}

/** Events arriving within this window render together: a chatty job re-renders a few times a second, not per event. */
const FLUSH_MS = 50;

const EMPTY_RANGE: LogRange = { model: EMPTY_LOG, olderMore: false, newerMore: false };

/**
 * One job's log as the dashboard holds it: the newest page first (`fold=true`), older pages as the
 * reader scrolls up, and the live stream (`/logs/stream`, from the newest page on) appended while the
 * job runs. A jump to an event far back loads the part around it instead; scrolling down from there
 * pages forward until it meets the newest part again. Only loaded pages are held, never the whole log.
 */
export class JobLogStore {
  private tail: LogRange = EMPTY_RANGE;
  private focus: LogRange | undefined;
  private snapshot: LogSnapshot;
  private readonly listeners = new Set<() => void>();
  /** Bumped when the part shown changes (a jump, back to the newest): a page asked for before is dropped. */
  private generation = 0;
  private jumps = 0;
  private runs = 0;
  private failed: (() => Promise<void>) | undefined;

  constructor(
    private readonly jobId: number,
    /** The job's highest seq when opened: the opening page ends there and the stream goes on from it. */
    private readonly openedAt: number,
    private readonly onEnd: () => void,
  ) {
    this.snapshot = { log: EMPTY_LOG, state: 'connecting', loaded: false, olderMore: false, newerMore: false, detached: false, busy: undefined, error: undefined, target: undefined };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): LogSnapshot => this.snapshot;

  /** Loads the newest page, then follows the live stream until the job ends; returns a function that stops. */
  start(): () => void {
    let stopped = false;
    let closeStream = (): void => undefined;
    const opening = async (): Promise<void> => {
      // Not dropped by a jump made meanwhile: the newest part is the one everything else joins.
      const page = await this.run('older', () => logPages.newest(this.jobId, this.openedAt), { always: true, retry: () => this.loadOlder() });
      if (stopped) return;
      // Without it (a failed request) live events still show, and "load older" asks again from the newest.
      this.tail = page ? { model: appendEvents(EMPTY_LOG, page.events), olderMore: page.more, newerMore: false } : { ...EMPTY_RANGE, olderMore: true };
      // A job that had ended with the page's last event has nothing to follow.
      const complete = page !== undefined && FINAL_STATUSES.has(page.status) && page.lastSeq <= this.openedAt;
      if (!complete) closeStream = this.follow();
      this.update({ loaded: true, ...(complete ? { state: 'ended' as const } : {}) });
    };
    void opening();
    return () => {
      stopped = true;
      closeStream();
    };
  }

  /** The page before the first event shown, joined on (the view keeps its place). */
  async loadOlder(): Promise<void> {
    const range = this.shown();
    if (!range.olderMore || this.snapshot.busy !== undefined) return;
    const page = await this.run('older', () => logPages.older(this.jobId, range.model.firstSeq || this.openedAt + 1), { retry: () => this.loadOlder() });
    if (page === undefined) return;
    const current = this.shown();
    this.setShown({ ...current, model: joinLogs(appendEvents(EMPTY_LOG, page.events), current.model), olderMore: page.more });
  }

  /** Off the newest part: the page after the last event shown, joining the newest part once they meet. */
  async loadNewer(): Promise<void> {
    const focus = this.focus;
    if (focus === undefined || !focus.newerMore || this.snapshot.busy !== undefined) return;
    const page = await this.run('newer', () => logPages.newer(this.jobId, focus.model.lastSeq), { retry: () => this.loadNewer() });
    if (page !== undefined && this.focus !== undefined) this.meet(page.events, { ...this.focus, newerMore: page.more });
  }

  /** Shows event `seq`: scrolls to it when loaded, or loads the part around it first. */
  async jumpTo(seq: number): Promise<void> {
    const within = (model: LogModel): boolean => model.items.length > 0 && seq >= model.firstSeq && seq <= model.lastSeq;
    if (!within(this.shown().model)) {
      this.generation++;
      if (within(this.tail.model)) this.focus = undefined;
      else {
        const around = await this.run('jump', () => logPages.around(this.jobId, seq), { retry: () => this.jumpTo(seq) });
        if (around === undefined) return;
        this.meet(around.page.events, { model: EMPTY_LOG, olderMore: around.page.more, newerMore: around.newerMore });
      }
    }
    this.update({ target: { seq, jump: ++this.jumps } });
  }

  /** Asks again for what failed last. */
  retry(): void {
    const again = this.failed;
    this.failed = undefined;
    if (again !== undefined) void again();
  }

  /** Back to the newest part, followed live. */
  toNewest(): void {
    if (this.focus === undefined) return;
    this.focus = undefined;
    this.generation++;
    this.update({ target: undefined });
  }

  /**
   * Events loaded off the newest part, appended to `range`: only those before the newest part's
   * first, so that the two join as if read in one go; joined onto it once they reach it.
   */
  private meet(events: readonly SequencedJobEvent[], range: LogRange): void {
    const tail = this.tail.model;
    const limit = tail.items.length > 0 ? tail.firstSeq : Number.POSITIVE_INFINITY;
    const own = events.filter((event) => event.seq < limit);
    const model = appendEvents(range.model, own);
    const reaches = own.length < events.length || (!range.newerMore && limit !== Number.POSITIVE_INFINITY);
    if (reaches) {
      this.focus = undefined;
      this.tail = { ...this.tail, model: joinLogs(model, tail), olderMore: range.olderMore };
      this.update({});
    } else this.setShown({ ...range, model }, true);
  }

  /**
   * Fetches as `busy`; resolves with the result, or undefined when it failed (then `retry` asks
   * again) or the part shown has changed since it was asked for (unless `always`).
   */
  private async run<T>(busy: NonNullable<LogSnapshot['busy']>, fetch: () => Promise<T>, options: { always?: boolean; retry?: () => Promise<void> } = {}): Promise<T | undefined> {
    const generation = this.generation;
    const id = ++this.runs;
    this.update({ busy, error: undefined });
    // Only the latest request says when nothing is loading any more.
    const done = (changes: Partial<LogSnapshot>): void => this.update(id === this.runs ? { busy: undefined, ...changes } : changes);
    try {
      const result = await fetch();
      done({});
      return options.always === true || generation === this.generation ? result : undefined;
    } catch (error) {
      this.failed = options.retry;
      done({ error: describeError(error) });
      return undefined;
    }
  }

  private follow(): () => void {
    let pending: SequencedJobEvent[] = [];
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      this.tail = { ...this.tail, model: appendEvents(this.tail.model, batch) };
      this.update({});
    };
    const close = openStream({
      url: () => streamUrl(`/jobs/${this.jobId}/logs/stream`, { after: Math.max(this.openedAt, this.tail.model.lastSeq, pending.at(-1)?.seq ?? 0) }),
      onState: (state) => this.update({ state: this.snapshot.state === 'ended' ? 'ended' : state }),
      listeners: {
        job_event: (data) => {
          pending.push(data as SequencedJobEvent);
          timer ??= window.setTimeout(flush, FLUSH_MS);
        },
        end: () => {
          close();
          window.clearTimeout(timer);
          flush();
          this.update({ state: 'ended' });
          this.onEnd();
        },
      },
    });
    return () => {
      close();
      window.clearTimeout(timer);
    };
  }

  private shown(): LogRange {
    return this.focus ?? this.tail;
  }

  private setShown(range: LogRange, detached = this.focus !== undefined): void {
    if (detached) this.focus = range;
    else this.tail = range;
    this.update({});
  }

  private update(changes: Partial<LogSnapshot>): void {
    const range = this.shown();
    this.snapshot = { ...this.snapshot, ...changes, log: range.model, olderMore: range.olderMore, newerMore: this.focus?.newerMore ?? false, detached: this.focus !== undefined };
    for (const listener of this.listeners) listener();
  }
}
