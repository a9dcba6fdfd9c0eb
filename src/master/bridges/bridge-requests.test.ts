import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { Frame } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Client } from '../hub/index.js';
import type { JobUpdate } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';
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
  const intake = {
    create: async (ask: { origin: { requestId?: unknown } }) => {
      const job = await create(String(ask.origin.requestId));
      made.push(job);
      return job;
    },
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
