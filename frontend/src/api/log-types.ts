import type { JobStatus, SequencedJobEvent } from './types';

/** `GET /api/jobs/:id/logs`: one page of a job's events, ascending by seq. */
export interface JobLogPage {
  jobId: number;
  status: JobStatus;
  /** Highest stored seq; not a count (folded logs have gaps). */
  lastSeq: number;
  events: SequencedJobEvent[];
  /** With `before`: older events exist; with `after`: newer ones do. */
  more: boolean;
}

/** One hit of `GET /api/jobs/:id/logs/search`. */
export interface LogMatch {
  seq: number;
  kind: string;
  /** A snippet of the event's text around the hit, at most 200 characters. */
  text: string;
}

/** `GET /api/jobs/:id/logs/search`: hits, newest first. */
export interface LogSearchResult {
  matches: LogMatch[];
}
