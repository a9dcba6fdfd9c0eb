import type { JobEvent, SequencedJobEvent } from '../../../protocol/index.js';
import type { NewJob } from '../job-store.js';
import type { Store } from '../store.js';
import { settled } from '../unit-of-work.js';

/** What every part of the store suite gets from `storeSuite`. */
export interface SuiteContext {
  /** The engine's name, as `Store.identity.engine` says it. */
  engine: string;
  /** A fresh empty store, closed after the case. */
  open: () => Promise<Store>;
  /** A second store on the database of one `open()` gave (closed after the case); undefined when the engine has none. */
  reopen: ((store: Store) => Promise<Store>) | undefined;
  /** Closes a store now, before the case ends. */
  close: (store: Store) => Promise<void>;
}

export const AT = '2026-01-01T00:00:00.000Z';

/** `AT` plus `minutes`: times that sort as they are numbered. */
export const minute = (minutes: number): string => new Date(Date.parse(AT) + minutes * 60_000).toISOString();

/** The smallest job a store takes, with `extra` over it. */
export function newJob(prompt = 'p', extra: Partial<NewJob> = {}): NewJob {
  return { prompt, target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, ...extra };
}

export const logEvent = (seq: number, message = `line ${seq}`): SequencedJobEvent => ({ seq, at: AT, event: { kind: 'log', level: 'info', message } });

/** `events` numbered from 1, in order. */
export const sequenced = (events: readonly JobEvent[]): SequencedJobEvent[] => events.map((event, i) => ({ seq: i + 1, at: AT, event }));

/** A job holding `events` (numbered from 1), stored and committed. */
export async function jobWith(store: Store, events: readonly JobEvent[], job: NewJob = newJob()): Promise<number> {
  const { id } = await store.jobs.create(job, AT);
  const all = sequenced(events);
  for (let start = 0; start < all.length; start += 10_000) store.jobs.appendEvents(id, all.slice(start, start + 10_000));
  await settled(store.commit());
  return id;
}

/** A job that ended (`status`, at `finishedAt`), committed. */
export async function endedJob(store: Store, finishedAt: string, status: 'succeeded' | 'failed' | 'cancelled' | 'lost' = 'succeeded', job: NewJob = newJob()): Promise<number> {
  const { id } = await store.jobs.create(job, AT);
  store.jobs.update(id, { status, finishedAt });
  await settled(store.commit());
  return id;
}

export const delta = (text: string): JobEvent => ({ kind: 'agent_message_delta', delta: text });
export const message = (text: string): JobEvent => ({ kind: 'agent_message', text });
export const started: JobEvent = { kind: 'started', executor: 'raw' };
export const command = (text: string): JobEvent => ({ kind: 'command_started', command: text });
