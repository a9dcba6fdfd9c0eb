import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { Frame } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Client } from '../hub/index.js';
import type { JobUpdate } from '../jobs/index.js';
import { IdempotencyKeys } from '../jobs/idempotency.js';
import type { IdempotencyKey, IdempotencyRecord, JobRecord, JobStore } from '../store/index.js';
import { waitFor } from '../../test-support/wait.js';
import { BridgeRequests, type BridgeJobs } from './bridge-requests.js';

const at = new Date().toISOString();
const later = <T>(value: T, ms = 5) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const record = (id: number, requestId: string): JobRecord => ({
  id,
  status: 'queued',
  prompt: 'from the chat',
  target: { tags: [] },
  profile: {},
  origin: { kind: 'telegram', chatId: 7, bridge: 'chat', requestId },
  maxAttempts: 3,
  timeoutSec: 60,
  attempt: 0,
  createdAt: at,
  lastSeq: 0,
});

/** The job layer as a bridge sees it, every read and create answering a few turns later. */
function slowServices(create: (requestId: string) => Promise<JobRecord>): { services: BridgeJobs; made: JobRecord[] } {
  const made: JobRecord[] = [];
  const jobs = {
    get: (id: number) => {
      const job = made.find((j) => j.id === id);
      return job ? later(job) : Promise.reject(new CodedError('not_found', `no job ${id}`));
    },
    active: () => undefined,
    list: () => later([]),
    runningOn: () => [],
    watch: (_listener: (update: JobUpdate) => void) => () => undefined,
    queuedCount: () => 0,
    publisher: {},
    questions: { waitingJobs: () => [] },
  };
  // The keys as a store keeps them, behind the job layer's own `IdempotencyKeys`.
  const stored = new Map<string, IdempotencyRecord>();
  const keys = new IdempotencyKeys({ idempotencyKey: (key: string) => later(stored.get(key)), pruneIdempotencyKeys: () => undefined } as unknown as JobStore);
  const intake = {
    createOnce: (ask: { origin: { requestId?: unknown } }, key: IdempotencyKey) =>
      keys.once(
        key,
        async (given) => {
          const job = await create(String(ask.origin.requestId));
          made.push(job);
          stored.set(given.key, { jobId: job.id, fingerprint: given.fingerprint, createdAt: job.createdAt });
          return job;
        },
        (id) => jobs.get(id),
      ),
    cancel: () => Promise.reject(new Error('disk I/O error')),
  };
  const services = { jobs, intake, profiles: { list: () => later([]) }, usage: {}, uploads: { drop: () => undefined } } as unknown as BridgeJobs;
  return { services, made };
}

function bridgeRequests(services: BridgeJobs): { requests: BridgeRequests; client: Client; sent: Frame[] } {
  const sent: Frame[] = [];
  const client = { id: 'c1', name: 'chat', role: 'bridge', greeted: true } as unknown as Client;
  const settings = { get: () => ({ settings: { slack: {}, telegram: {} }, savedAt: null }), subscribe: () => () => undefined } as never;
  const requests = new BridgeRequests({ send: (_client, frame) => sent.push(frame), nodes: () => [] }, services, settings, { version: '1', startedAt: new Date(), allowLocalRepos: false }, silentLogger());
  return { requests, client, sent };
}

const submit = { type: 'job_submit', requestId: 'chat-1', prompt: 'from the chat', origin: { kind: 'telegram', chatId: 7 } } as const;

describe('bridge requests on a store that answers later', () => {
  it('makes one job for a submit resent while the first is still being made, and answers both', async () => {
    let creates = 0;
    const { services, made } = slowServices((requestId) => later(record(++creates, requestId), 10));
    const { requests, client, sent } = bridgeRequests(services);
    requests.request(client, submit);
    requests.request(client, submit);
    await waitFor(() => sent.filter((f) => f.type === 'job_update').length === 2, 'two answers', 2000);
    expect(creates).toBe(1);
    expect(made).toHaveLength(1);
    expect(sent.filter((f) => f.type === 'job_update')).toMatchObject([{ requestId: 'chat-1', job: { id: 1 } }, { requestId: 'chat-1', job: { id: 1 } }]);
    // Sent again later, it is answered with that job, not run again.
    requests.request(client, submit);
    await waitFor(() => sent.filter((f) => f.type === 'job_update').length === 3, 'a third answer', 2000);
    expect(creates).toBe(1);
    // Through another master sharing the store (a new `BridgeRequests` over the same keys), the same.
    const elsewhere = bridgeRequests(services);
    elsewhere.requests.request(client, submit);
    await waitFor(() => elsewhere.sent.some((f) => f.type === 'job_update'), 'the answer of the other master', 2000);
    expect(elsewhere.sent.find((f) => f.type === 'job_update')).toMatchObject({ requestId: 'chat-1', job: { id: 1 } });
    expect(creates).toBe(1);
    // Another bridge's request id is its own.
    requests.request({ ...client, name: 'other' } as Client, submit);
    await waitFor(() => creates === 2, "the other bridge's job", 2000);
  });

  it('answers a request that fails with an error frame, a coded one with its code, anything else as internal', async () => {
    const { services } = slowServices(() => Promise.reject(new CodedError('over_budget', 'user telegram:42 used 10 of 10 tokens today')));
    const { requests, client, sent } = bridgeRequests(services);
    requests.request(client, submit);
    requests.request(client, { type: 'job_cancel_request', jobId: 3 });
    await waitFor(() => sent.filter((f) => f.type === 'error').length === 2, 'two errors', 2000);
    expect(sent.filter((f) => f.type === 'error')).toEqual(
      expect.arrayContaining([
        { type: 'error', code: 'over_budget', message: 'user telegram:42 used 10 of 10 tokens today', ref: 'job_submit', requestId: 'chat-1' },
        { type: 'error', code: 'internal', message: 'disk I/O error', ref: 'job_cancel_request' },
      ]),
    );
  });
});
