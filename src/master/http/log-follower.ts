import type { ServerResponse } from 'node:http';
import { FINAL_JOB_STATUSES, type SequencedJobEvent } from '../../protocol/index.js';
import type { JobService, JobUpdate } from '../jobs/index.js';
import type { Commit, JobRecord } from '../store/index.js';

/** Writes stop while a follower has this much unsent: it catches up from the store instead. */
const FOLLOWER_BUFFER_LIMIT = 1024 * 1024;
const PAGE = 1000;

/** Each update's events encoded once, however many followers they go to. */
const encoded = new WeakMap<readonly SequencedJobEvent[], string>();

function sseLine(seq: number, json: string): string {
  return `id: ${seq}\nevent: job_event\ndata: ${json}\n\n`;
}

function sseText(events: readonly SequencedJobEvent[]): string {
  let text = encoded.get(events);
  if (text === undefined) {
    text = events.map((e) => sseLine(e.seq, JSON.stringify(e))).join('');
    encoded.set(events, text);
  }
  return text;
}

type FollowedJobs = Pick<JobService, 'commit' | 'eventsJson' | 'get' | 'active' | 'watch'>;

/**
 * Streams one job's log as server-sent events from `after` until the job has ended. A follower
 * that is up to date gets each update's events as they are stored, in one write; one that is
 * behind (new, reconnecting with `Last-Event-ID`, or slow to read) catches up from the store, so
 * a slow follower is never buffered for and never slows ingest down.
 *
 * Nothing is written before it is durable: the store's unit of work is ended (`commit()`) and
 * settled first. When that settles at once (SQLite) an update is written in the listener, as it
 * comes; otherwise the follower is busy until it has, and so while a page is read: one store
 * operation at a time per follower, so pages and updates never interleave. An update that comes
 * while the follower is busy is not written: the follower catches up from the store afterwards.
 */
export function followJobLog(jobs: FollowedJobs, jobId: number, res: ServerResponse, after: number): void {
  let sent = after;
  let busy = false;
  /** Something came while busy: catch up once idle. */
  let behind = false;
  // After the end (or a hang-up) a late write must not happen: that error would have no listener.
  const open = (): boolean => !res.writableEnded && !res.destroyed && res.writableLength <= FOLLOWER_BUFFER_LIMIT;
  const endIfFinished = (job: JobRecord): void => {
    if (FINAL_JOB_STATUSES.has(job.status) && sent >= job.lastSeq) res.end(`event: end\ndata: ${JSON.stringify({ status: job.status })}\n\n`);
  };
  /** Ends the unit of work; undefined when it was durable at once, false when it failed (the stream is closed). */
  const commit = (): Commit | false => {
    try {
      return jobs.commit();
    } catch (error) {
      res.destroy(error as Error);
      return false;
    }
  };
  const write = (text: string, last: number | undefined): void => {
    res.write(text);
    sent = last ?? sent;
  };
  /** Pages from the store until there are no more events, each written once it is durable. */
  const readOn = async (): Promise<void> => {
    while (open()) {
      const page = await jobs.eventsJson(jobId, sent, PAGE);
      // What the page holds may be this unit of work's: durable before it is written.
      const committed = commit();
      if (committed === false) return;
      await committed;
      if (!open()) return;
      if (page.length === 0) return endIfFinished(jobs.active(jobId) ?? (await jobs.get(jobId)));
      // A page read before an update's events were written may overlap them.
      const fresh = page.filter((e) => e.seq > sent);
      write(fresh.map((e) => sseLine(e.seq, e.json)).join(''), fresh.at(-1)?.seq);
    }
  };
  /** Runs one store operation; what came meanwhile is caught up with afterwards. */
  const run = (operation: () => Promise<void>): void => {
    busy = true;
    behind = false;
    operation()
      .catch((error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        busy = false;
        if (behind) catchUp();
      });
  };
  const catchUp = (): void => {
    if (busy) behind = true;
    else if (open()) run(readOn);
  };
  const onUpdate = ({ job, events }: JobUpdate): void => {
    if (job.id !== jobId || !open()) return;
    if (busy) {
      behind = true;
      return;
    }
    if (events[0]?.seq === sent + 1) {
      const committed = commit();
      if (committed === false) return;
      if (committed !== undefined) {
        const last = events.at(-1)?.seq;
        return run(async () => {
          await committed;
          if (open() && sent + 1 === events[0]?.seq) write(sseText(events), last);
          if (sent >= job.lastSeq && open()) endIfFinished(job);
          else behind = true;
        });
      }
      write(sseText(events), events.at(-1)?.seq);
    }
    if (sent < job.lastSeq) catchUp();
    else endIfFinished(job);
  };
  // Every job's updates, this master's and the other masters' (a job may run on a node of another:
  // its events are read back for this follower; what came before it wanted them, it reads by `sent`).
  const unsubscribe = jobs.watch(onUpdate, (id) => (id === jobId ? 'events' : undefined));
  res.on('drain', catchUp);
  res.on('close', unsubscribe);
  catchUp();
}
