import type { SequencedJobEvent } from '../../protocol/index.js';

/**
 * Which page of a job's log: the events just after `after`, or (with `before`) the ones just
 * before `before`. Either way the page is in ascending seq order.
 */
export type LogPageQuery = ({ after: number; before?: undefined } | { before: number; after?: undefined }) & {
  limit: number;
  /** Leave out the deltas a later complete message covers (see `coveredDeltas`). */
  fold: boolean;
};

/** A page of a job's log and whether the log goes on past it in the direction asked. */
export interface LogPage {
  events: SequencedJobEvent[];
  /** With `before`: older events exist; with `after`: newer ones do. */
  more: boolean;
}

/** What to look for in a job's log; matches are newest first. */
export interface LogSearchQuery {
  text: string;
  limit: number;
  /** Only events with a smaller seq (the next page of matches). */
  before?: number;
  /** Never match a delta a later complete message covers: every match is in the folded log. */
  fold: boolean;
}

/** An event whose human text contains what was looked for, with a snippet around the hit. */
export interface LogMatch {
  seq: number;
  kind: string;
  text: string;
}

/** Reading a long job log a page at a time, and searching it. */
export interface JobLog {
  page(jobId: number, query: LogPageQuery): Promise<LogPage>;
  search(jobId: number, query: LogSearchQuery): Promise<LogMatch[]>;
}
