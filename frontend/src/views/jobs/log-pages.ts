import { api } from '../../api/client';
import type { JobLogPage, LogSearchResult } from '../../api/log-types';

/** Events per page: a screen's worth many times over, small enough to fetch and fold in a few ms. */
export const PAGE_EVENTS = 500;
/** Matches per search request (the API's default). */
export const SEARCH_MATCHES = 100;
/** Events shown on each side of a jumped-to event. */
const AROUND = PAGE_EVENTS / 2;

const logs = (jobId: number, params: Record<string, number>): Promise<JobLogPage> => {
  const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)])), fold: 'true' });
  return api<JobLogPage>(`/jobs/${jobId}/logs?${query.toString()}`);
};

/**
 * The pages of a job's folded log (`fold=true`: deltas a complete message covers are left out).
 * Pages are asked for from the seqs received, never by arithmetic on counts: folded logs have gaps.
 */
export const logPages = {
  /** The newest events up to `lastSeq`, the opening page. */
  newest: (jobId: number, lastSeq: number) => logs(jobId, { before: lastSeq + 1, limit: PAGE_EVENTS }),
  older: (jobId: number, before: number) => logs(jobId, { before, limit: PAGE_EVENTS }),
  newer: (jobId: number, after: number) => logs(jobId, { after, limit: PAGE_EVENTS }),
  /** The events before and after `seq`, with `seq` itself (its later half may be short near the end). */
  around: async (jobId: number, seq: number): Promise<{ page: JobLogPage; newerMore: boolean }> => {
    const [before, after] = await Promise.all([logs(jobId, { before: seq + 1, limit: AROUND }), logs(jobId, { after: seq, limit: AROUND })]);
    return { page: { ...before, events: [...before.events, ...after.events] }, newerMore: after.more };
  },
};

/** Matches of `q` in the job's folded log, newest first, older than `before` when given. */
export function searchLog(jobId: number, q: string, before?: number): Promise<LogSearchResult> {
  const query = new URLSearchParams({ q, limit: String(SEARCH_MATCHES), fold: 'true', ...(before === undefined ? {} : { before: String(before) }) });
  return api<LogSearchResult>(`/jobs/${jobId}/logs/search?${query.toString()}`);
}
