import { describe, expect, it, vi } from 'vitest';
import { captureLog } from '../../test-support/log-capture.js';
import { fakeJob } from '../../test-support/fake-fleet-store.js';
import { crashedMaster, LEASE_MS, liveNode, settle, useFleetFixture } from '../../test-support/fleet-fixture.js';
import type { JobRecord } from '../store/index.js';

const fixture = useFleetFixture();

describe('SharedFleet: the lease', () => {
  it('registers at start, renews every third of a lease, and leaves on close, once however often closed', async () => {
    const a = fixture.fleet('a');
    await a.start();
    expect(fixture.store.masters.get('a')).toMatchObject({ name: 'master-a', leaseUntil: '2030-01-01T00:00:03.000Z' });
    await vi.advanceTimersByTimeAsync(LEASE_MS * 4);
    expect(fixture.store.called('renew')).toBe(1 + 12);
    expect(Date.parse(fixture.store.masters.get('a')?.leaseUntil ?? '')).toBeGreaterThan(Date.now() + LEASE_MS / 2);
    const closing = a.close();
    expect(a.close()).toBe(closing);
    await closing;
    expect(fixture.store.masters.has('a')).toBe(false);
    expect(fixture.store.called('leave')).toBe(1);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(fixture.store.called('renew')).toBe(13);
    expect(fixture.store.delivered.filter((signal) => signal.kind === 'masters')).toHaveLength(2);
  });

  it('keeps going while the store is unreachable, warning once, and catches up once it is back', async () => {
    const { log, lines } = captureLog('info');
    crashedMaster(fixture.store, 'dead');
    fixture.store.addJob(fakeJob(1, { status: 'running', node: 'n1' }), 'dead');
    const a = fixture.fleet('a', { log });
    const orphans: JobRecord[][] = [];
    a.onOrphans((jobs) => orphans.push([...jobs]));
    await a.start();
    for (const method of ['renew', 'members', 'takeAsks', 'liveNodes', 'takeOrphans', 'signal'] as const) fixture.store.failing.add(method);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(orphans).toEqual([]);
    expect(lines.filter((line) => line.msg.includes('could not check the masters'))).toHaveLength(1);
    fixture.store.failing.clear();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(orphans.map((jobs) => jobs.map((job) => job.id))).toEqual([[1]]);
    expect(lines.some((line) => line.msg.includes('could check the masters and requests again'))).toBe(true);
  });
});

describe('SharedFleet: start and close', () => {
  it('writes the lease and the nodes again after a failed commit lost them', async () => {
    let failed: ((error: Error) => void) | undefined;
    const host = { commit: () => fixture.store.commit(), unfinishedJobIds: () => Promise.resolve([]), onCommitFailed: (listener: (error: Error) => void) => ((failed = listener), () => undefined) };
    const a = fixture.fleet('a', { host });
    await a.start();
    a.publishNodes([liveNode('n1', 'a')]);
    await settle();
    const [renewals, writes] = [fixture.store.called('renew'), fixture.store.published.length];
    failed?.(new Error('disk full'));
    await vi.advanceTimersByTimeAsync(200);
    expect(fixture.store.called('renew')).toBe(renewals + 1);
    expect(fixture.store.published).toHaveLength(writes + 1);
    expect(fixture.store.published.at(-1)?.nodes).toEqual([liveNode('n1', 'a')]);
  });

  it('once closed hears no signal, claims nothing and takes no orphans; closed before start it never joins', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const heard = vi.fn();
    const orphans = vi.fn();
    a.onRemoteJobs(heard);
    a.onOrphans(orphans);
    await a.close();
    b.changed(1);
    fixture.store.addJob(fakeJob(2, { status: 'running', node: 'n' }), 'gone');
    fixture.store.addJob(fakeJob(3));
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(heard).not.toHaveBeenCalled();
    expect(orphans).not.toHaveBeenCalled();
    await expect(a.claim({ jobId: 3, node: 'n', attempt: 1, assignedAt: new Date().toISOString() })).resolves.toBe(false);
    const never = fixture.fleet('c');
    await never.close();
    await never.start();
    expect(fixture.store.masters.has('c')).toBe(false);
  });

  it('stops telling a listener that unsubscribed', async () => {
    crashedMaster(fixture.store, 'dead');
    fixture.store.addJob(fakeJob(1, { status: 'running', node: 'n' }), 'dead');
    const a = fixture.fleet('a');
    const [kept, dropped] = [vi.fn(), vi.fn()];
    a.onOrphans(kept);
    a.onOrphans(dropped)();
    await a.start();
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(dropped).not.toHaveBeenCalled();
  });
});

describe('SharedFleet: masters that are gone', () => {
  it("takes a dead master's jobs once, among all live masters, drops its nodes, and hears of each orphan once", async () => {
    crashedMaster(fixture.store, 'dead');
    fixture.store.addJob(fakeJob(1, { status: 'running', node: 'n1' }), 'dead');
    fixture.store.addJob(fakeJob(2, { status: 'assigned', node: 'n1' }), 'dead');
    fixture.store.addJob(fakeJob(3, { status: 'queued' }));
    fixture.store.publishNodes('dead', [liveNode('n1', 'dead', [1, 2])]);
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    const orphans = new Map<string, number[]>([['a', []], ['b', []]]);
    a.onOrphans((jobs) => orphans.get('a')?.push(...jobs.map((job) => job.id)));
    b.onOrphans((jobs) => orphans.get('b')?.push(...jobs.map((job) => job.id)));
    await Promise.all([a.start(), b.start()]);
    await settle();
    expect(a.remoteNodes()).toEqual([liveNode('n1', 'dead', [1, 2])]);
    const remoteNodeChanges = vi.fn();
    a.onRemoteNodes(remoteNodeChanges);
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    expect([...orphans.values()].flat().sort()).toEqual([1, 2]);
    expect(new Set([fixture.store.jobs.get(1)?.owner, fixture.store.jobs.get(2)?.owner]).size).toBe(1);
    expect(a.remoteNodes()).toEqual([]);
    expect(remoteNodeChanges).toHaveBeenCalled();
    expect(fixture.store.nodes.has('dead')).toBe(false);
    const taken = fixture.store.called('takeOrphans');
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    // A sweep once a lease, by each master, finds nothing more.
    expect(fixture.store.called('takeOrphans')).toBeLessThanOrEqual(taken + 2 * 3);
    expect([...orphans.values()].flat()).toHaveLength(2);
  });

  it('takes the orphans left from before it started, once a listener is there', async () => {
    fixture.store.addJob(fakeJob(4, { status: 'running', node: 'n2' }), 'long-gone');
    const a = fixture.fleet('a');
    await a.start();
    expect(fixture.store.jobs.get(4)?.owner).toBe('long-gone');
    const orphans = vi.fn();
    a.onOrphans(orphans);
    await settle();
    expect(orphans).toHaveBeenCalledWith([expect.objectContaining({ id: 4 })]);
    expect(fixture.store.jobs.get(4)?.owner).toBe('a');
  });

  it('sweeps once a lease for jobs left to a master already gone, without any master leaving', async () => {
    const a = fixture.fleet('a');
    const orphans = vi.fn();
    a.onOrphans(orphans);
    await a.start();
    fixture.store.addJob(fakeJob(9, { status: 'running', node: 'n' }), 'ghost');
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    expect(orphans).toHaveBeenCalledWith([expect.objectContaining({ id: 9 })]);
  });

  it('never takes the jobs of a live master, its own included', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await a.start();
    await b.start();
    fixture.store.addJob(fakeJob(5, { status: 'running', node: 'n' }), 'a');
    fixture.store.addJob(fakeJob(6, { status: 'running', node: 'm' }), 'b');
    const orphans = vi.fn();
    a.onOrphans(orphans);
    b.onOrphans(orphans);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    expect(orphans).not.toHaveBeenCalled();
  });
});
