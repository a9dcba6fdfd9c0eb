import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { SequencedJobEvent } from '../../protocol/index.js';
import type { JobUpdate } from '../jobs/index.js';
import type { EncodedJobEvent, JobRecord } from '../store/index.js';
import { waitFor } from '../../test-support/wait.js';
import { followJobLog } from './log-follower.js';

const at = new Date().toISOString();
const event = (seq: number): SequencedJobEvent => ({ seq, at, event: { kind: 'log', level: 'info', message: `line ${seq}` } });
const later = <T>(value: T, ms = 5) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/**
 * One job's log in a store that answers later, as a database server does: a read sees every event
 * written, and an event is durable only once a commit begun after its write has settled.
 */
class SlowLog {
  readonly events: SequencedJobEvent[] = [];
  durable = 0;
  reads = 0;
  readsAtOnce = 0;
  private reading = 0;
  private listener: ((update: JobUpdate) => void) | undefined;
  job: JobRecord = { id: 1, status: 'running', prompt: 'p', target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 1, timeoutSec: 60, attempt: 1, createdAt: at, lastSeq: 0 };

  /** Stores events (and the job's new state) and tells the follower, as the job ledger does. */
  append(seqs: number[], status: JobRecord['status'] = 'running'): void {
    const events = seqs.map(event);
    this.events.push(...events);
    this.job = { ...this.job, status, lastSeq: seqs.at(-1) ?? this.job.lastSeq };
    this.listener?.({ job: this.job, events });
  }

  commit = (): Promise<void> => {
    const upTo = this.job.lastSeq;
    return later(undefined, 3).then(() => {
      this.durable = Math.max(this.durable, upTo);
    });
  };

  eventsJson = async (_id: number, after: number, limit: number): Promise<EncodedJobEvent[]> => {
    this.reads++;
    this.readsAtOnce = Math.max(this.readsAtOnce, ++this.reading);
    const page = this.events.filter((e) => e.seq > after).slice(0, limit).map((e) => ({ seq: e.seq, json: JSON.stringify(e) }));
    const answer = await later(page, 10);
    this.reading--;
    return answer;
  };

  get = (): Promise<JobRecord> => later(this.job);
  active = (): JobRecord | undefined => (this.job.status === 'running' ? this.job : undefined);
  watch = (listener: (update: JobUpdate) => void): (() => void) => {
    this.listener = listener;
    return () => (this.listener = undefined);
  };
}

/** A response that keeps what is written, and notes any event written before it was durable. */
function response(log: SlowLog): { res: ServerResponse; seqs: number[]; early: number[]; text: () => string } {
  const chunks: string[] = [];
  const seqs: number[] = [];
  const early: number[] = [];
  const res = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString();
      chunks.push(text);
      for (const match of text.matchAll(/^id: (\d+)$/gm)) {
        const seq = Number(match[1]);
        seqs.push(seq);
        if (seq > log.durable) early.push(seq);
      }
      done();
    },
  });
  // The HTTP server takes a destroyed response's error (its socket's); a bare stream would throw it.
  res.on('error', () => undefined);
  return { res: res as unknown as ServerResponse, seqs, early, text: () => chunks.join('') };
}

describe('the log follower on a store that answers later', () => {
  it('writes every event once, in order, only once durable, with one read at a time', async () => {
    const log = new SlowLog();
    log.append([1, 2, 3]);
    const { res, seqs, early, text } = response(log);
    followJobLog(log, 1, res, 0);
    // Updates while the first page is still being read: they wait for it, and are caught up after.
    log.append([4, 5]);
    log.append([6]);
    await waitFor(() => seqs.length === 6, 'the first six events', 2000);
    // Up to date now: the next update goes out from the listener, after its commit.
    log.append([7, 8]);
    log.append([9], 'succeeded');
    await waitFor(() => text().includes('event: end'), 'the end of the stream', 2000);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(early).toEqual([]);
    expect(log.readsAtOnce).toBe(1);
    expect(text().endsWith('event: end\ndata: {"status":"succeeded"}\n\n')).toBe(true);
  });

  it('closes the stream when a commit fails, writing nothing it could not make durable', async () => {
    const log = new SlowLog();
    log.commit = () => Promise.reject(new Error('the database went away'));
    log.append([1]);
    const { res, seqs } = response(log);
    followJobLog(log, 1, res, 0);
    await waitFor(() => res.destroyed, 'the stream to close', 2000);
    expect(seqs).toEqual([]);
  });
});
