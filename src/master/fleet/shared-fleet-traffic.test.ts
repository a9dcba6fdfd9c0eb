import { describe, expect, it, vi } from 'vitest';
import { fakeJob } from '../../test-support/fake-fleet-store.js';
import { ASK_TIMEOUT_MS, crashedMaster, LEASE_MS, liveNode, settle, useFleetFixture } from '../../test-support/fleet-fixture.js';
import { CodedError } from '../coded-error.js';
import type { FleetAsk } from '../store/index.js';

const CANCEL: FleetAsk = { jobId: 7, kind: 'cancel', payload: { by: 'test' } };

const fixture = useFleetFixture();

describe('SharedFleet: requests between masters', () => {
  it('carries an ask to the owner and its reply back, woken by signals', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const served: FleetAsk[] = [];
    b.serve((ask) => {
      served.push(ask);
      return Promise.resolve({ ok: true, value: { cancelled: ask.jobId } });
    });
    const reply = a.ask('b', CANCEL);
    await settle();
    await expect(reply).resolves.toEqual({ ok: true, value: { cancelled: 7 } });
    expect(served).toEqual([CANCEL]);
    expect(fixture.store.asks).toEqual([]);
    expect(fixture.store.replies.size).toBe(0);
  });

  it("turns the owner's coded error into a reply, and finds requests and replies whose signals were missed", async () => {
    const [a, b] = [fixture.fleet('a', { askTimeoutMs: 10_000 }), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    b.serve(() => Promise.reject(new CodedError('conflict', 'job 7 has finished')));
    fixture.store.dropSignals = true;
    const reply = a.ask('b', CANCEL);
    await settle();
    expect(fixture.store.asks).toHaveLength(1);
    // One check for the owner to take it, one for the asker to take the reply.
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(reply).resolves.toEqual({ ok: false, code: 'conflict', message: 'job 7 has finished' });
  });

  it('rejects with node_unavailable when no reply comes in time, and drops the late reply', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const reply = a.ask('b', CANCEL);
    const outcome = reply.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(ASK_TIMEOUT_MS);
    const error = await outcome;
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ code: 'node_unavailable', message: expect.stringContaining('master-b (b)') as unknown });
    b.serve(() => Promise.resolve({ ok: true, value: 'late' }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fixture.store.asks).toEqual([]);
    expect(fixture.store.replies.size).toBe(0);
  });

  it('waits the work an ask says it takes (a publish waiting for its node) on top of the ask timeout', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    let finish: (() => void) | undefined;
    b.serve(() => new Promise((resolve) => (finish = () => resolve({ ok: true, value: 'published' }))));
    const reply = a.ask('b', CANCEL, 3 * ASK_TIMEOUT_MS);
    let outcome: unknown;
    reply.then(
      (value) => (outcome = value),
      (error: unknown) => (outcome = error),
    );
    await vi.advanceTimersByTimeAsync(3 * ASK_TIMEOUT_MS);
    expect(outcome).toBeUndefined();
    finish?.();
    await settle();
    expect(outcome).toEqual({ ok: true, value: 'published' });
    // And no longer than that: the same ask given up on once both have passed.
    const late = a.ask('b', CANCEL, ASK_TIMEOUT_MS).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2 * ASK_TIMEOUT_MS);
    expect(await late).toMatchObject({ code: 'node_unavailable', message: expect.stringContaining(`within ${(2 * ASK_TIMEOUT_MS) / 1000} s`) as unknown });
  });

  it('rejects at once an ask to a master known dead, serves one to itself here, and rejects asks once closed', async () => {
    crashedMaster(fixture.store, 'dead');
    const a = fixture.fleet('a');
    await a.start();
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    await expect(a.ask('dead', CANCEL)).rejects.toMatchObject({ code: 'node_unavailable' });
    a.serve(() => Promise.resolve({ ok: true, value: 'here' }));
    await expect(a.ask('a', CANCEL)).resolves.toEqual({ ok: true, value: 'here' });
    expect(fixture.store.called('ask')).toBe(0);
    const waiting = a.ask('elsewhere', CANCEL).catch((error: unknown) => error);
    await a.close();
    await expect(waiting).resolves.toMatchObject({ code: 'node_unavailable', message: 'this master is shutting down' });
    await expect(a.ask('elsewhere', CANCEL)).rejects.toMatchObject({ code: 'node_unavailable' });
  });
});

describe('SharedFleet: jobs and claims', () => {
  it("signals a turn's changed jobs once and tells the other masters, until they unsubscribe", async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const heard: number[][] = [];
    const unsubscribe = b.onRemoteJobs((ids) => heard.push([...ids]));
    a.changed(1);
    a.changed(2);
    a.changed(1);
    await settle();
    expect(fixture.store.delivered.filter((signal) => signal.kind === 'jobs')).toEqual([{ kind: 'jobs', jobIds: [1, 2] }]);
    expect(heard).toEqual([[1, 2]]);
    unsubscribe();
    a.changed(3);
    await settle();
    expect(heard).toEqual([[1, 2]]);
  });

  it('gives a job claimed by two masters to one, and sends one turn of claims in one call', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    for (const id of [1, 2, 3]) fixture.store.addJob(fakeJob(id));
    const at = new Date().toISOString();
    const claims = [a.claim({ jobId: 1, node: 'na', attempt: 1, assignedAt: at }), a.claim({ jobId: 2, node: 'na', attempt: 1, assignedAt: at }), b.claim({ jobId: 1, node: 'nb', attempt: 1, assignedAt: at })];
    expect(await Promise.all(claims)).toEqual([true, true, false]);
    expect(fixture.store.called('claim')).toBe(2);
    expect(fixture.store.jobs.get(1)).toMatchObject({ owner: 'a', job: { status: 'assigned', node: 'na' } });
    fixture.store.failing.add('claim');
    await expect(a.claim({ jobId: 3, node: 'na', attempt: 1, assignedAt: at })).rejects.toThrow('unreachable');
  });

  it('adopts a job out on a node that moved here, and signals it for its former owner', async () => {
    const a = fixture.fleet('a');
    await a.start();
    fixture.store.addJob(fakeJob(8, { status: 'running', node: 'n' }), 'b');
    await expect(a.adopt(8, 'other-node')).resolves.toBeUndefined();
    await expect(a.adopt(8, 'n')).resolves.toMatchObject({ id: 8 });
    await settle();
    expect(fixture.store.jobs.get(8)?.owner).toBe('a');
    expect(fixture.store.delivered).toContainEqual({ kind: 'jobs', jobIds: [8], queued: [] });
    await expect(a.owner(8)).resolves.toBe('a');
  });

  it('reads everything again after a lost signal connection: unfinished jobs, masters, nodes', async () => {
    const host = { commit: () => fixture.store.commit(), onCommitFailed: () => () => undefined, unfinishedJobIds: () => Promise.resolve([3, 4]) };
    const [a, b] = [fixture.fleet('a', { host }), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const heard = vi.fn();
    a.onRemoteJobs(heard);
    fixture.store.dropSignals = true;
    b.publishNodes([liveNode('nb', 'b')]);
    await settle();
    expect(a.remoteNodes()).toEqual([]);
    fixture.store.dropSignals = false;
    fixture.store.loseConnection();
    await settle();
    expect(heard).toHaveBeenCalledWith([3, 4], undefined);
    expect(a.remoteNodes()).toEqual([liveNode('nb', 'b')]);
  });
});

describe('SharedFleet: nodes', () => {
  it('publishes at most once per 100 ms, always the last state, and shows them to the other masters', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    a.publishNodes([liveNode('n1', 'a')]);
    await Promise.all([a.start(), b.start()]);
    await settle();
    expect(fixture.store.published).toEqual([{ masterId: 'a', nodes: [liveNode('n1', 'a')] }]);
    const changes = vi.fn();
    const unsubscribe = b.onRemoteNodes(changes);
    await vi.advanceTimersByTimeAsync(100);
    a.publishNodes([liveNode('n1', 'a'), liveNode('n2', 'a')]);
    a.publishNodes([liveNode('n2', 'a')]);
    await vi.advanceTimersByTimeAsync(50);
    a.publishNodes([liveNode('n2', 'a'), liveNode('n3', 'a')]);
    await vi.advanceTimersByTimeAsync(49);
    expect(fixture.store.published).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(fixture.store.published).toHaveLength(3);
    expect(fixture.store.published.at(-1)?.nodes).toEqual([liveNode('n2', 'a'), liveNode('n3', 'a')]);
    expect(b.remoteNodes()).toEqual([liveNode('n2', 'a'), liveNode('n3', 'a')]);
    expect(a.remoteNodes()).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
    unsubscribe();
    a.publishNodes([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(b.remoteNodes()).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it("drops a master's nodes from the view as soon as it leaves", async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    b.publishNodes([liveNode('nb', 'b')]);
    await settle();
    expect(a.remoteNodes()).toEqual([liveNode('nb', 'b')]);
    await b.close();
    await settle();
    expect(a.remoteNodes()).toEqual([]);
  });
});
