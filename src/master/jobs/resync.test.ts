import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { Frame } from '../../protocol/index.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { SqliteStore, StoreCommitError, type JobStore } from '../store/index.js';
import { JobService } from './job-service.js';

const READ_MS = 20;
const origin = { kind: 'api' } as const;
const options = { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceMs: 30_000, cancelWaitMs: 5000 };

/** The job store with every read (and `create`) answering `ms` later, as a database server would; statements still run at once. */
function slowReads(jobs: JobStore, ms: number): JobStore {
  const slow = new Set<PropertyKey>(['create', 'get', 'list', 'withStatus', 'events', 'eventsJson', 'diffParts', 'idempotencyKey']);
  return new Proxy(jobs, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!slow.has(property)) return method.bind(target);
      return (...args: unknown[]) => (method.apply(target, args) as Promise<unknown>).then((answer) => new Promise((resolve) => setTimeout(() => resolve(answer), ms)));
    },
  });
}

/** The store's next COMMIT fails, as on a full disk (SQLite rolls the turn's writes back). Resolves as it fails. */
function failNextCommit(store: SqliteStore): Promise<void> {
  const commitStatement = (store as unknown as { tx: { commitStatement: { run: () => unknown } } }).tx.commitStatement;
  const run = commitStatement.run.bind(commitStatement);
  return new Promise((resolve) => {
    commitStatement.run = () => {
      commitStatement.run = run;
      resolve();
      throw new Error('database or disk is full');
    };
  });
}

let store: SqliteStore;
let jobs: JobService;
afterEach(async () => {
  jobs.close();
  await store.close();
});
afterAll(removeTempDirs);

describe('a failed commit with a store that answers later', () => {
  it('holds events and dispatch until the jobs are reloaded, and a create the commit lost rejects', async () => {
    store = new SqliteStore(tempDir(), silentLogger());
    const frames: Array<{ node: string; frame: Frame }> = [];
    jobs = new JobService(slowReads(store.jobs, READ_MS), { sendToNode: (node, frame) => frames.push({ node, frame }) > 0 }, options, silentLogger());
    await jobs.recover();
    jobs.nodeReady({ name: 'n1', tags: [], capabilities: { slots: 2, executors: ['raw'], chat: false }, runningJobs: [] });
    const kept = await jobs.create({ prompt: 'kept', origin });
    await jobs.whenCommitted();
    expect(jobs.active(kept.id)).toMatchObject({ status: 'assigned', node: 'n1' });

    const failed = failNextCommit(store);
    // Its insert runs now and joins the unit of work that fails before the store answers.
    const lost = jobs.create({ prompt: 'lost with its commit', origin });
    await failed;
    const sent = frames.length;
    // While the jobs are read back: an event of a job out on a node is held, and so is a new job's dispatch.
    jobs.jobEvents('n1', { type: 'job_events', jobId: kept.id, attempt: 1, events: [{ seq: 1, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } }] });
    const after = jobs.create({ prompt: 'after the failure', origin });
    expect(frames.length).toBe(sent);

    await expect(lost).rejects.toBeInstanceOf(StoreCommitError);
    const made = await after;
    const assigns = frames.filter(({ frame }) => frame.type === 'job_assign').map(({ frame }) => (frame.type === 'job_assign' ? frame.job.prompt : ''));
    expect(assigns).toEqual(['kept', 'after the failure']);
    expect(frames.some(({ frame }) => frame.type === 'job_ack' && frame.jobId === kept.id && frame.seq === 1)).toBe(true);
    expect(jobs.active(kept.id)).toMatchObject({ status: 'running' });
    expect(jobs.active(made.id)).toMatchObject({ status: 'assigned', node: 'n1' });
    await jobs.whenCommitted();
    expect((await jobs.list({ limit: 10 })).map((job) => job.prompt)).toEqual(['after the failure', 'kept']);
  });
});
