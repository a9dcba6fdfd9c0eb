import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { JobTimers } from './job-timers.js';
import { LoadGate } from './load-gate.js';

/** A promise and its resolve, for a load that answers when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the load gate', () => {
  it('holds work while a load runs, applies the load, runs the work in order, then releases', async () => {
    const seen: string[] = [];
    const gate = new LoadGate({ hold: () => seen.push('hold'), release: () => seen.push('release') }, silentLogger());
    gate.run(() => seen.push('before'));
    const read = deferred<string>();
    const done = gate.reload(() => read.promise, (loaded) => seen.push(`apply ${loaded}`), false);
    expect(gate.holding).toBe(true);
    gate.run(() => seen.push('held 1'));
    gate.run(() => seen.push('held 2'));
    const reader = gate.opened()?.then(() => seen.push('reader'));
    await Promise.resolve();
    expect(seen).toEqual(['before', 'hold']);
    read.resolve('jobs');
    await done;
    await reader;
    expect(seen).toEqual(['before', 'hold', 'apply jobs', 'held 1', 'held 2', 'release', 'reader']);
    expect(gate.holding).toBe(false);
    expect(gate.opened()).toBeUndefined();
  });

  it('reads again when a reload is asked for during one, and applies only the last read', async () => {
    const applied: number[] = [];
    const gate = new LoadGate({ hold: () => undefined, release: () => undefined }, silentLogger());
    const reads = [deferred<number>(), deferred<number>()];
    let calls = 0;
    const load = () => (reads[calls++] as ReturnType<typeof deferred<number>>).promise;
    const first = gate.reload(load, (n) => applied.push(n), true);
    const loads = gate.loads;
    const second = gate.reload(load, (n) => applied.push(n), true);
    expect(gate.loads).toBe(loads + 1);
    reads[0]?.resolve(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(applied).toEqual([]);
    reads[1]?.resolve(2);
    await Promise.all([first, second]);
    expect(applied).toEqual([2]);
    expect(calls).toBe(2);
  });

  it('retries a failed read after a failed commit, and rejects one at start', async () => {
    vi.useFakeTimers();
    const gate = new LoadGate({ hold: () => undefined, release: () => undefined }, silentLogger());
    let attempts = 0;
    const flaky = () => (++attempts === 1 ? Promise.reject(new Error('connection reset')) : Promise.resolve('ok'));
    const applied: string[] = [];
    const retried = gate.reload(flaky, (loaded) => applied.push(loaded), true);
    await vi.advanceTimersByTimeAsync(1000);
    await retried;
    expect(applied).toEqual(['ok']);
    await expect(gate.reload(() => Promise.reject(new Error('no database')), () => undefined, false)).rejects.toThrow('no database');
    expect(gate.holding).toBe(false);
  });
});

describe('held timers', () => {
  it('run at release when still armed, and not when cleared or replaced meanwhile', async () => {
    vi.useFakeTimers();
    const timers = new JobTimers();
    const ran: string[] = [];
    timers.set('timeout', 1, 10, () => ran.push('1'));
    timers.set('timeout', 2, 10, () => ran.push('2'));
    timers.set('grace', 3, 10, () => ran.push('3'));
    timers.hold();
    await vi.advanceTimersByTimeAsync(20);
    expect(ran).toEqual([]);
    expect(timers.has('timeout', 1)).toBe(true);
    timers.clearAll(2);
    timers.set('grace', 3, 1000, () => ran.push('3 again'));
    timers.release();
    expect(ran).toEqual(['1']);
    expect(timers.has('timeout', 1)).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran).toEqual(['1', '3 again']);
    timers.stop();
  });
});
