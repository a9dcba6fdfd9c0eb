import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../log/index.js';
import type { NodeInfo } from '../../protocol/index.js';
import { captureLog } from '../../test-support/log-capture.js';
import { postgresAvailable, stopWorkerPostgres } from '../../test-support/postgres-server.js';
import { testDatabaseUrl } from '../../test-support/test-database.js';
import { waitFor } from '../../test-support/wait.js';
import type { FleetSignal, JobClaim, LiveNode } from './fleet-store.js';
import { PgStore } from './pg/index.js';
import { AT, newJob } from './store-suite/fixtures.js';
import { settled, StoreCommitError } from './unit-of-work.js';

const opened: PgStore[] = [];
const clients: pg.Client[] = [];
const closers: Array<{ close(): Promise<void> }> = [];

async function open(url: string, log: Logger = silentLogger()): Promise<PgStore> {
  const store = await PgStore.open(url, log);
  opened.push(store);
  return store;
}

/** Two stores (two masters) on one fresh database, and a plain client on it. */
async function twoMasters(name: string, log?: Logger): Promise<{ a: PgStore; b: PgStore; admin: pg.Client; url: string }> {
  const url = await testDatabaseUrl(name);
  const a = await open(url, log);
  const b = await open(url, log);
  const admin = new pg.Client({ connectionString: url });
  admin.on('error', () => undefined);
  await admin.connect();
  clients.push(admin);
  return { a, b, admin, url };
}

/** The signals `store` hears from now on, and the losses it is told of. */
async function listening(store: PgStore): Promise<{ signals: FleetSignal[]; losses: number[] }> {
  const heard = { signals: [] as FleetSignal[], losses: [] as number[] };
  const listener = await store.fleet.listen(
    (signal) => heard.signals.push(signal),
    () => heard.losses.push(Date.now()),
  );
  closers.push(listener);
  return heard;
}

/** A signal from outside any store (origin `outside`): heard after everything committed before it. */
async function marker(admin: pg.Client, n: number): Promise<void> {
  await admin.query(`SELECT pg_notify('csc_fleet', $1)`, [`outside {"kind":"jobs","jobIds":[${-n}]}`]);
}

const isMarker = (n: number) => (signal: FleetSignal) => signal.kind === 'jobs' && signal.jobIds.length === 1 && signal.jobIds[0] === -n;

async function queuedJobs(store: PgStore, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.jobs.create(newJob(`job ${i}`), AT)).id);
  await settled(store.commit());
  return ids;
}

const claimOf = (jobId: number, node: string): JobClaim => ({ jobId, node, attempt: 1, assignedAt: AT });
const lease = (id: string, ms: number) => ({ id, name: id, startedAt: AT, leaseUntil: new Date(Date.now() + ms).toISOString() });

function nodeInfo(name: string): NodeInfo {
  return { id: `${name}-id`, name, tags: ['t'], status: 'online', connectedAt: AT, lastActivity: AT, address: '10.0.0.1:1', capabilities: { slots: 2, executors: ['codex'], chat: false } };
}

const jobIdsOf = (signals: FleetSignal[]): number[] => signals.flatMap((signal) => (signal.kind === 'jobs' ? signal.jobIds : [])).filter((id) => id > 0);

describe.skipIf(!postgresAvailable())('PgFleetStore', () => {
  afterAll(async () => {
    for (const listener of closers.splice(0)) await listener.close();
    for (const store of opened.splice(0)) await store.close();
    for (const client of clients.splice(0)) await client.end();
    await stopWorkerPostgres();
  });

  it('gives each job of a race of claims to exactly one master, writing the assignment and the owner', async () => {
    const { a, b } = await twoMasters('fleet_claims');
    const ids = await queuedJobs(a, 60);
    // Each master claims every job, in four batches in an order of its own, the two at the same time.
    const race = (store: PgStore, master: string, node: string) => {
      const shuffled = [...ids].sort(() => Math.random() - 0.5);
      return Promise.all([0, 1, 2, 3].map((part) => store.fleet.claim(shuffled.slice(part * 15, part * 15 + 15).map((id) => claimOf(id, node)), master)));
    };
    const [wonA, wonB] = await Promise.all([race(a, 'A', 'na'), race(b, 'B', 'nb')]);
    await Promise.all([settled(a.commit()), settled(b.commit())]);
    const byA = new Set(wonA.flat());
    const byB = new Set(wonB.flat());
    expect([...byA].filter((id) => byB.has(id))).toEqual([]);
    expect(wonA.flat().length + wonB.flat().length).toBe(ids.length);
    expect(new Set([...byA, ...byB]).size).toBe(ids.length);
    for (const id of ids) {
      const job = await b.jobs.get(id);
      const [node, owner] = byA.has(id) ? ['na', 'A'] : ['nb', 'B'];
      expect(job).toMatchObject({ status: 'assigned', node, attempt: 1, assignedAt: AT });
      expect(await b.fleet.owner(id)).toBe(owner);
    }
    // A claim of a job no longer queued wins nothing.
    const taken = [...byA][0]!;
    expect(await b.fleet.claim([claimOf(taken, 'nb')], 'B')).toEqual([]);
    expect(await a.fleet.claim([], 'A')).toEqual([]);
  });

  it("claims a job created in the same turn, and tells the other masters of what it won, after the commit", async () => {
    const { a, b } = await twoMasters('fleet_claim_signal');
    const heard = await listening(b);
    const { id } = await a.jobs.create(newJob(), AT);
    const won = await a.fleet.claim([claimOf(id, 'na'), claimOf(id, 'na')], 'A');
    expect(won).toEqual([id]);
    await settled(a.commit());
    await waitFor(() => jobIdsOf(heard.signals).includes(id), 'the claim to be signalled');
    expect(await b.fleet.owner(id)).toBe('A');
  });

  it('delivers signals only once their unit of work commits, each distinct one once, never after a rollback, never to itself', async () => {
    const { a, b, admin, url } = await twoMasters('fleet_signals');
    const heardA = await listening(a);
    const heardB = await listening(b);

    // A unit of work held open: its writer waits behind a lock, its signals with it.
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    clients.push(locker);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE settings');
    a.settings.saveBudgets({ masterDaily: 1 }, AT);
    a.fleet.signal({ kind: 'jobs', jobIds: [1, 2] });
    a.fleet.signal({ kind: 'nodes' });
    void a.jobs.get(1); // a read between the signals: they stay one statement, sent at the commit
    a.fleet.signal({ kind: 'jobs', jobIds: [2, 3] });
    a.fleet.signal({ kind: 'nodes' });
    a.fleet.signal({ kind: 'asks', to: 'B' });
    a.fleet.signal({ kind: 'asks', to: 'B' });
    const committed = a.whenCommitted();
    await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'csc master' AND wait_event_type = 'Lock'`)).rows.length > 0, 'the writer to wait');
    await marker(admin, 1);
    await waitFor(() => heardB.signals.some(isMarker(1)), 'the first marker');
    expect(heardB.signals).toEqual([{ kind: 'jobs', jobIds: [-1] }]);

    await locker.query('ROLLBACK');
    await committed;
    await marker(admin, 2);
    await waitFor(() => heardB.signals.some(isMarker(2)), 'the second marker');
    const fromA = heardB.signals.slice(1, -1);
    expect(fromA).toHaveLength(3);
    expect(fromA).toEqual(expect.arrayContaining([{ kind: 'nodes' }, { kind: 'asks', to: 'B' }, { kind: 'jobs', jobIds: [1, 2, 3] }]));

    // A turn that rolls back takes its signals with it.
    a.fleet.signal({ kind: 'masters' });
    a.usage.record({ jobId: 1, day: '2026-01-01', user: 'admin', tokens: { input: 1e20, output: 0, total: 0 } });
    await expect(settled(a.commit())).rejects.toThrow(StoreCommitError);
    await marker(admin, 3);
    await waitFor(() => heardB.signals.some(isMarker(3)), 'the third marker');
    expect(heardB.signals.filter((signal) => signal.kind === 'masters')).toEqual([]);
    // The sender never hears its own signals (only the markers from outside).
    expect(heardA.signals.every((signal) => signal.kind === 'jobs' && signal.jobIds[0]! < 0)).toBe(true);
  });

  it('splits a long list of job ids into payloads PostgreSQL takes', async () => {
    const { a, b, admin } = await twoMasters('fleet_long_signal');
    const heard = await listening(b);
    const ids = Array.from({ length: 3000 }, (_, i) => 4_000_000_000_000 + i);
    a.fleet.signal({ kind: 'jobs', jobIds: ids });
    await settled(a.commit());
    await marker(admin, 1);
    await waitFor(() => heard.signals.some(isMarker(1)), 'the marker');
    const lists = heard.signals.filter((signal) => !isMarker(1)(signal));
    expect(lists.length).toBeGreaterThan(1);
    expect(jobIdsOf(lists)).toEqual(ids);
  });

  it('takes orphans conditionally: jobs out whose owner is dead or none, one master each, never a live or newly registered one', async () => {
    const { a, b } = await twoMasters('fleet_orphans');
    const heardA = await listening(a);
    a.fleet.renew(lease('A', 10_000));
    b.fleet.renew(lease('B', 10_000));
    a.fleet.renew(lease('C', -1_000)); // dead: its lease ran out
    a.fleet.renew(lease('D', 10_000)); // registered after the callers read the members
    const [ofA, ofC1, ofC2, ofD, ownerless, queued, endedOfC] = await queuedJobs(a, 7);
    expect(await a.fleet.claim([claimOf(ofA!, 'na')], 'A')).toEqual([ofA]);
    expect(await a.fleet.claim([claimOf(ofC1!, 'nc'), claimOf(ofC2!, 'nc'), claimOf(endedOfC!, 'nc')], 'C')).toHaveLength(3);
    expect(await a.fleet.claim([claimOf(ofD!, 'nd')], 'D')).toEqual([ofD]);
    a.jobs.update(ofC2!, { status: 'running', startedAt: AT });
    a.jobs.update(ownerless!, { status: 'running', node: 'nx', attempt: 1, assignedAt: AT, startedAt: AT });
    a.jobs.update(endedOfC!, { status: 'succeeded', finishedAt: AT });
    await settled(a.commit());
    expect(queued).toBeDefined();

    const alive = ['A', 'B'];
    const [tookA, tookB] = await Promise.all([a.fleet.takeOrphans(alive, 'A'), b.fleet.takeOrphans(alive, 'B')]);
    await Promise.all([settled(a.commit()), settled(b.commit())]);
    const took = [...tookA, ...tookB].map((job) => job.id).sort((x, y) => x - y);
    expect(took).toEqual([ofC1, ofC2, ownerless].sort((x, y) => x! - y!));
    expect(tookA.find((job) => job.id === ofC2) ?? tookB.find((job) => job.id === ofC2)).toMatchObject({ status: 'running', node: 'nc', startedAt: AT });
    for (const job of tookA) expect(await a.fleet.owner(job.id)).toBe('A');
    for (const job of tookB) expect(await a.fleet.owner(job.id)).toBe('B');
    expect(await a.fleet.owner(ofA!)).toBe('A');
    expect(await a.fleet.owner(ofD!)).toBe('D');
    expect(await a.fleet.owner(endedOfC!)).toBeUndefined();
    expect(await a.fleet.owner(queued!)).toBeUndefined();
    // Nothing is left to take, and what B took was told to A.
    expect(await a.fleet.takeOrphans(alive, 'A')).toEqual([]);
    const tookByB = tookB.map((job) => job.id);
    await waitFor(() => tookByB.every((id) => jobIdsOf(heardA.signals).includes(id)), "B's take-over to be signalled");
  });

  it('adopts a job only from the node it is out on, whoever owned it, telling the old owner', async () => {
    const { a, b } = await twoMasters('fleet_adopt');
    const heardA = await listening(a);
    const [out, queued] = await queuedJobs(a, 2);
    await a.fleet.claim([claimOf(out!, 'n1')], 'A');
    await settled(a.commit());
    expect(await b.fleet.adopt(out!, 'n2', 'B')).toBeUndefined();
    expect(await b.fleet.adopt(queued!, 'n1', 'B')).toBeUndefined();
    const adopted = await b.fleet.adopt(out!, 'n1', 'B');
    await settled(b.commit());
    expect(adopted).toMatchObject({ id: out, status: 'assigned', node: 'n1', attempt: 1, lastSeq: 0 });
    expect(await a.fleet.owner(out!)).toBe('B');
    await waitFor(() => jobIdsOf(heardA.signals).includes(out!), 'the adoption to be signalled');
  });

  it('clears the owner when a job is re-queued or ends, whoever writes it', async () => {
    const { a } = await twoMasters('fleet_owner_cleared');
    const [requeued, ended, kept] = await queuedJobs(a, 3);
    await a.fleet.claim([requeued, ended, kept].map((id) => claimOf(id!, 'n')), 'A');
    a.jobs.update(requeued!, { status: 'queued', node: null, assignedAt: null });
    a.jobs.update(ended!, { status: 'failed', finishedAt: AT, error: 'x' });
    a.jobs.update(kept!, { status: 'running', startedAt: AT });
    await settled(a.commit());
    expect(await a.fleet.owner(requeued!)).toBeUndefined();
    expect(await a.fleet.owner(ended!)).toBeUndefined();
    expect(await a.fleet.owner(kept!)).toBe('A');
    // setOwner sets and clears it on a job out; a queued job keeps none.
    a.fleet.setOwner(kept!, 'B');
    a.fleet.setOwner(requeued!, 'B');
    await settled(a.commit());
    expect(await a.fleet.owner(kept!)).toBe('B');
    a.fleet.setOwner(kept!, null);
    await settled(a.commit());
    expect(await a.fleet.owner(kept!)).toBeUndefined();
    expect(await a.fleet.claim([claimOf(requeued!, 'n')], 'A')).toEqual([requeued]);
  });

  it('keeps leases, node lists and their forgetting', async () => {
    const { a, b, admin } = await twoMasters('fleet_members');
    const heardB = await listening(b);
    a.fleet.renew({ ...lease('A', 10_000), name: 'master-a' });
    b.fleet.renew(lease('B', 10_000));
    a.fleet.renew(lease('C', -1000));
    await settled(a.commit());
    await settled(b.commit());
    await waitFor(() => heardB.signals.some((signal) => signal.kind === 'masters'), 'the registration to be signalled');
    const later = new Date(Date.now() + 20_000).toISOString();
    a.fleet.renew({ ...lease('A', 0), name: 'master-a', leaseUntil: later });
    await settled(a.commit());
    expect((await b.fleet.members()).map((m) => [m.id, m.name, m.id === 'A' ? m.leaseUntil : ''])).toEqual([
      ['A', 'master-a', later],
      ['B', 'B', ''],
      ['C', 'C', ''],
    ]);

    const live = (name: string, running: number[]): LiveNode => ({ info: nodeInfo(name), masterId: 'ignored', running });
    a.fleet.publishNodes('A', [live('a1', [1]), live('a2', [])]);
    a.fleet.publishNodes('A', [live('a1', [1, 2])]);
    b.fleet.publishNodes('B', [live('b1', [])]);
    a.fleet.publishNodes('C', [live('c1', [])]);
    await Promise.all([settled(a.commit()), settled(b.commit())]);
    const listed = (nodes: LiveNode[]) => nodes.map((node) => [node.masterId, node.info.name, node.running]);
    expect(listed(await b.fleet.liveNodes())).toEqual([
      ['A', 'a1', [1, 2]],
      ['B', 'b1', []],
      ['C', 'c1', []],
    ]);
    expect((await b.fleet.liveNodes())[0]?.info).toEqual(nodeInfo('a1'));

    // Dropping the nodes of masters not alive spares one with a running lease (D registered meanwhile).
    a.fleet.renew(lease('D', 10_000));
    a.fleet.publishNodes('D', [live('d1', [])]);
    await settled(a.commit());
    await marker(admin, 1);
    await waitFor(() => heardB.signals.some(isMarker(1)), 'the marker');
    const before = heardB.signals.length;
    a.fleet.dropNodesOf(['A', 'B']);
    await settled(a.commit());
    expect(listed(await b.fleet.liveNodes()).map(([master]) => master)).toEqual(['A', 'B', 'D']);
    await waitFor(() => heardB.signals.slice(before).some((signal) => signal.kind === 'nodes'), 'the drop to be signalled');

    a.fleet.leave('A');
    await settled(a.commit());
    expect((await b.fleet.members()).map((m) => m.id)).toEqual(['B', 'C', 'D']);
    expect(listed(await b.fleet.liveNodes()).map(([master]) => master)).toEqual(['B', 'D']);
  });

  it('carries an ask to its owner and the reply back, each taken once', async () => {
    const { a, b } = await twoMasters('fleet_asks');
    const heardA = await listening(a);
    const heardB = await listening(b);
    const id = await a.fleet.ask('A', 'B', { jobId: 7, kind: 'answer', payload: { answer: 'yes', by: 'ann' } });
    await settled(a.commit());
    await waitFor(() => heardB.signals.some((signal) => signal.kind === 'asks' && signal.to === 'B'), 'the ask to be signalled');
    expect(await b.fleet.takeAsks('A')).toEqual([]);
    expect(await b.fleet.takeAsks('B')).toEqual([{ id, from: 'A', to: 'B', jobId: 7, kind: 'answer', payload: { answer: 'yes', by: 'ann' } }]);
    expect(await b.fleet.takeAsks('B')).toEqual([]);
    expect(await a.fleet.takeReply(id)).toBeUndefined();

    b.fleet.reply(id, 'A', { ok: false, code: 'job_not_found', message: 'no job 7' });
    await settled(b.commit());
    await waitFor(() => heardA.signals.some((signal) => signal.kind === 'replies' && signal.to === 'A'), 'the reply to be signalled');
    expect(await a.fleet.takeReply(id)).toEqual({ ok: false, code: 'job_not_found', message: 'no job 7' });
    expect(await a.fleet.takeReply(id)).toBeUndefined();

    const second = await a.fleet.ask('A', 'B', { jobId: 8, kind: 'cancel', payload: undefined });
    expect(second).toBeGreaterThan(id);
    // Its statement has run; another master sees it once its unit of work has committed.
    await settled(a.commit());
    expect(await b.fleet.takeAsks('B')).toEqual([{ id: second, from: 'A', to: 'B', jobId: 8, kind: 'cancel', payload: undefined }]);
  });

  it('listens again after its session is ended, telling onLost, and never logs the password', async () => {
    const url = (await testDatabaseUrl('fleet_listen')).replace('csc@', 'csc:hunter2@');
    const { log, lines } = captureLog('debug');
    const a = await open(url, log);
    const b = await open(url, log);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    clients.push(admin);
    const heard = await listening(b);
    const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'csc master signals'`);
    expect(ended.rows).toHaveLength(1);
    await waitFor(() => heard.losses.length === 1, 'onLost');
    a.fleet.signal({ kind: 'nodes' });
    await settled(a.commit());
    await waitFor(() => heard.signals.some((signal) => signal.kind === 'nodes'), 'a signal after the loss');
    expect(lines.some((line) => line.msg.includes('lost the signal connection'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
