import type { ServerResponse } from 'node:http';
import { FINAL_JOB_STATUSES, type SequencedJobEvent } from '../../protocol/index.js';
import type { JobService, JobUpdate } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

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

/**
 * Streams one job's log as server-sent events from `after` until the job has ended. A follower
 * that is up to date gets each update's events as they are stored, in one write; one that is
 * behind (new, reconnecting with `Last-Event-ID`, or slow to read) catches up from the store, so
 * a slow follower is never buffered for and never slows ingest down.
 */
export function followJobLog(jobs: JobService, jobId: number, res: ServerResponse, after: number): void {
  let sent = after;
  // After the end (or a hang-up) a late update must not write: that error would have no listener.
  const open = (): boolean => !res.writableEnded && !res.destroyed && res.writableLength <= FOLLOWER_BUFFER_LIMIT;
  const durable = (): boolean => {
    try {
      jobs.commit();
      return true;
    } catch (error) {
      res.destroy(error as Error);
      return false;
    }
  };
  const endIfFinished = (job: JobRecord): void => {
    if (FINAL_JOB_STATUSES.has(job.status) && sent >= job.lastSeq) res.end(`event: end\ndata: ${JSON.stringify({ status: job.status })}\n\n`);
  };
  const catchUp = (): void => {
    if (!open() || !durable()) return;
    for (let page = jobs.eventsJson(jobId, sent, PAGE); page.length > 0; page = jobs.eventsJson(jobId, sent, PAGE)) {
      res.write(page.map((e) => sseLine(e.seq, e.json)).join(''));
      sent = page.at(-1)?.seq ?? sent;
      if (!open()) return;
    }
    endIfFinished(jobs.get(jobId));
  };
  const onUpdate = ({ job, events }: JobUpdate): void => {
    if (job.id !== jobId || !open()) return;
    if (events[0]?.seq === sent + 1) {
      if (!durable()) return;
      res.write(sseText(events));
      sent = events.at(-1)?.seq ?? sent;
    }
    if (sent < job.lastSeq) catchUp();
    else endIfFinished(job);
  };
  const unsubscribe = jobs.subscribe(onUpdate);
  res.on('drain', catchUp);
  res.on('close', unsubscribe);
  catchUp();
}
