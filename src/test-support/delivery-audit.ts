import type { JobRecord } from '../master/store/index.js';
import { FINAL_JOB_STATUSES, type SequencedJobEvent } from '../protocol/index.js';
import { parseStreamMessage, type StreamRun } from './stream-executor.js';

/** `fetch` against a master's API with the admin token (`MasterProcess.api`, `TestMaster.api`). */
export type Api = (path: string, init?: RequestInit) => Promise<Response>;

/** What a fault run did to delivery; every figure but `jobs` and `events` should be 0. */
export interface DeliveryFigures {
  jobs: number;
  /** Events stored, over all jobs. */
  events: number;
  /** Jobs that did not end `succeeded`. */
  lostJobs: number;
  /** Jobs in the store that the run did not create. */
  duplicatedJobs: number;
  /**
   * Jobs run more than once: a second run on a node, a second `started` event, or events of another
   * attempt. A later attempt alone is not one: an assignment the master committed and died before
   * sending never reached the node, so the job is assigned again as the next attempt.
   */
  rerunJobs: number;
  /** Executor events of a job's final attempt missing from its log. */
  lostEvents: number;
  /** Executor events stored more than once. */
  duplicatedEvents: number;
}

/** The figures, and every problem found in words ("job 7: log not contiguous: …"). */
export interface DeliveryAudit {
  figures: DeliveryFigures;
  problems: string[];
}

/** A job the run created, and how many log events its executor emits in one run. */
export interface ExpectedJob {
  id: number;
  events: number;
}

/** No request of a fault test waits longer than this: a hung one fails, it does not stall the test. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The `Api` of a master handle (`TestMaster`, `MasterProcess`), bound to it, each request with a timeout. */
export function apiOf(master: { api(path: string, init?: RequestInit): Promise<Response> }): Api {
  return (path, init) => master.api(path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
}

async function getJson<T>(api: Api, path: string): Promise<T> {
  const response = await api(path);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export function fetchJob(api: Api, id: number): Promise<JobRecord> {
  return getJson<JobRecord>(api, `/api/jobs/${id}`);
}

/** A job's whole log, page by page. */
export async function fetchLog(api: Api, id: number): Promise<SequencedJobEvent[]> {
  const events: SequencedJobEvent[] = [];
  // Bounded: a page is at most 5000 events and no job of a fault run has a million.
  for (let page = 0; page < 200; page++) {
    const after = events.at(-1)?.seq ?? 0;
    const body = await getJson<{ events: SequencedJobEvent[] }>(api, `/api/jobs/${id}/logs?after=${after}&limit=5000`);
    events.push(...body.events);
    if (body.events.length < 5000) return events;
  }
  throw new Error(`job ${id}: log longer than a fault run makes`);
}

/** Every job in the store, newest first. */
export async function listJobs(api: Api): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let before: number | null | undefined;
  // Bounded: 100 pages are 50 000 jobs, more than any fault run creates.
  for (let page = 0; page < 100 && before !== null; page++) {
    const body = await getJson<{ jobs: JobRecord[]; next: number | null }>(api, `/api/jobs?limit=500${before === undefined ? '' : `&before=${before}`}`);
    jobs.push(...body.jobs);
    before = body.next;
  }
  if (before !== null) throw new Error('more jobs in the store than a fault run creates');
  return jobs;
}

/** Events stored over all jobs (the sum of their `lastSeq`): it grows while delivery makes progress. */
export async function storedEvents(api: Api): Promise<number> {
  return (await listJobs(api)).reduce((sum, job) => sum + job.lastSeq, 0);
}

/** Whether every one of `ids` is in the store and has ended. */
export async function allFinal(api: Api, ids: readonly number[]): Promise<boolean> {
  const wanted = new Set(ids);
  const jobs = (await listJobs(api)).filter((job) => wanted.has(job.id));
  return jobs.length === wanted.size && jobs.every((job) => FINAL_JOB_STATUSES.has(job.status));
}

interface JobAudit {
  problems: string[];
  lost: boolean;
  rerun: boolean;
  lostEvents: number;
  duplicatedEvents: number;
}

/** Checks one job: it succeeded once, its log runs 1..n without a gap or a repeat, and holds each executor event once. */
export function auditJob(job: JobRecord, log: readonly SequencedJobEvent[], expectedEvents: number, runs: readonly StreamRun[]): JobAudit {
  const problems: string[] = [];
  const say = (text: string): number => problems.push(`job ${job.id}: ${text}`);
  const lost = job.status !== 'succeeded';
  if (lost) say(`ended ${job.status}${job.error === undefined ? '' : ` (${job.error})`}`);
  const gap = log.findIndex((event, i) => event.seq !== i + 1);
  if (gap >= 0) say(`log not contiguous from 1: position ${gap + 1} holds seq ${log[gap]?.seq}`);
  if (job.lastSeq !== log.length) say(`lastSeq ${job.lastSeq} but ${log.length} events in the log`);
  const finished = log.filter((e) => e.event.kind === 'finished').length;
  if (finished !== 1) say(`${finished} finished events (want exactly 1)`);
  const seen = new Map<number, number>();
  let otherAttempts = 0;
  for (const { event } of log) {
    const parsed = event.kind === 'log' ? parseStreamMessage(event.message) : undefined;
    if (parsed?.jobId !== job.id) continue;
    if (parsed.attempt === job.attempt) seen.set(parsed.index, (seen.get(parsed.index) ?? 0) + 1);
    else otherAttempts++;
  }
  const duplicatedEvents = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  const lostEvents = lost ? 0 : expectedEvents - seen.size;
  if (duplicatedEvents > 0) say(`${duplicatedEvents} executor events stored more than once`);
  if (lostEvents > 0) say(`${lostEvents} of ${expectedEvents} executor events missing`);
  const started = log.filter((e) => e.event.kind === 'started').length;
  const rerun = runs.length > 1 || started > 1 || otherAttempts > 0;
  if (rerun) say(`run more than once: attempt ${job.attempt}, ${runs.length} runs on nodes, ${started} started events, ${otherAttempts} events of other attempts`);
  const ranAttempt = runs[0]?.attempt;
  if (runs.length === 1 && ranAttempt !== job.attempt) say(`the node ran attempt ${ranAttempt}, but the job records attempt ${job.attempt}`);
  return { problems, lost, rerun, lostEvents, duplicatedEvents };
}

/**
 * Audits delivery after a fault run: each expected job against its log and the executor's runs,
 * and the store for jobs nobody asked for. Reads everything through the API.
 */
export async function auditDelivery(api: Api, expected: readonly ExpectedJob[], runs: readonly StreamRun[] = []): Promise<DeliveryAudit> {
  const figures: DeliveryFigures = { jobs: expected.length, events: 0, lostJobs: 0, duplicatedJobs: 0, rerunJobs: 0, lostEvents: 0, duplicatedEvents: 0 };
  const problems: string[] = [];
  const wanted = new Set(expected.map((job) => job.id));
  for (const job of await listJobs(api)) {
    if (wanted.has(job.id)) continue;
    figures.duplicatedJobs++;
    problems.push(`job ${job.id}: in the store, but the run never created it`);
  }
  for (const { id, events } of expected) {
    const [job, log] = await Promise.all([fetchJob(api, id), fetchLog(api, id)]);
    const audit = auditJob(job, log, events, runs.filter((run) => run.jobId === id));
    figures.events += log.length;
    figures.lostJobs += audit.lost ? 1 : 0;
    figures.rerunJobs += audit.rerun ? 1 : 0;
    figures.lostEvents += audit.lostEvents;
    figures.duplicatedEvents += audit.duplicatedEvents;
    problems.push(...audit.problems);
  }
  return { figures, problems };
}

/** A failure message that names the first problems and how many there were. */
export function describeProblems(problems: readonly string[], shown = 12): string {
  const more = problems.length > shown ? `\n  … and ${problems.length - shown} more` : '';
  return `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n  ${problems.slice(0, shown).join('\n  ')}${more}`;
}
