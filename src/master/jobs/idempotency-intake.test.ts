import { afterAll, afterEach, expect, it } from 'vitest';
import { describeOnEngines } from '../../test-support/test-database.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import type { JobRecord } from '../store/index.js';

let master: TestMaster | undefined;
afterEach(async () => {
  await master?.close();
  master = undefined;
});
afterAll(removeTempDirs);

async function post(target: TestMaster, body: unknown, key: string): Promise<{ status: number; json: JobRecord }> {
  const res = await target.api('/api/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'idempotency-key': key } });
  return { status: res.status, json: (await res.json()) as JobRecord };
}

/** The keys `JobStore.create` is given, in order (undefined: a create without one). */
function keysGivenToCreate(target: TestMaster): Array<string | undefined> {
  const jobs = target.store.jobs;
  const create = jobs.create.bind(jobs);
  const given: Array<string | undefined> = [];
  jobs.create = (job, at, idempotency) => (given.push(idempotency?.key), create(job, at, idempotency));
  return given;
}

/** The store's next COMMIT fails, as on a full disk (SQLite rolls the turn's writes back). */
function failNextCommit(target: TestMaster): void {
  const commitStatement = (target.store as unknown as { tx: { commitStatement: { run: () => unknown } } }).tx.commitStatement;
  const run = commitStatement.run.bind(commitStatement);
  commitStatement.run = () => {
    commitStatement.run = run;
    throw new Error('database or disk is full');
  };
}

describeOnEngines('an Idempotency-Key through the intake', (engine) => {
  it("goes to the store with its job (a pipeline's with its first step), and names that job after a restart", async () => {
    const databaseUrl = await engine.databaseUrl('idempotency_intake');
    master = await startTestMaster({ databaseUrl });
    const { dataDir } = master.config;
    const given = keysGivenToCreate(master);
    const single = await post(master, { prompt: 'one job' }, 'key-single');
    const multi = await post(master, { prompt: 'three steps', mode: 'multi' }, 'key-multi');
    expect([single.status, multi.status]).toEqual([201, 201]);
    expect(multi.json.pipeline).toMatchObject({ id: multi.json.id, step: 1 });
    // Handed to the job's own create, so that the store writes both in one unit of work.
    expect(given).toEqual(['key-single', 'key-multi']);

    await master.close();
    master = await startTestMaster({ dataDir, databaseUrl });
    expect(await post(master, { prompt: 'one job' }, 'key-single')).toMatchObject({ status: 200, json: { id: single.json.id } });
    expect(await post(master, { prompt: 'three steps', mode: 'multi' }, 'key-multi')).toMatchObject({ status: 200, json: { id: multi.json.id, pipeline: { step: 1 } } });
  });

  it.skipIf(engine.name !== 'SQLite')('is lost with its job when their commit fails: the retry makes the job, once', async () => {
    master = await startTestMaster();
    failNextCommit(master);
    expect((await post(master, { prompt: 'lost to a full disk', mode: 'multi' }, 'key-lost')).status).toBe(500);
    const made = await post(master, { prompt: 'lost to a full disk', mode: 'multi' }, 'key-lost');
    expect(made.status).toBe(201);
    expect(await post(master, { prompt: 'lost to a full disk', mode: 'multi' }, 'key-lost')).toMatchObject({ status: 200, json: { id: made.json.id } });
  });
});
