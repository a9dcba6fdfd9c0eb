import { describe, expect, it, vi } from 'vitest';
import { settle, useFleetFixture } from '../../test-support/fleet-fixture.js';
import { CHECK_INTERVAL_MS } from './fleet-options.js';

const fixture = useFleetFixture();

/** A reload that waits for the test to end it; counts its runs and how many ran at once. */
function heldReload() {
  const ends: Array<(error?: Error) => void> = [];
  const counts = { runs: 0, running: 0, most: 0 };
  const reload = () => {
    counts.runs++;
    counts.most = Math.max(counts.most, ++counts.running);
    return new Promise<void>((resolve, reject) => ends.push((error) => (counts.running--, error ? reject(error) : resolve())));
  };
  return { reload, ends, counts };
}

describe('SharedFleet: configuration changes', () => {
  it("tells the other masters at the commit, and runs each one's reload one at a time, once more for changes during a run", async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const held = heldReload();
    const budgets = vi.fn(() => Promise.resolve());
    b.config.onChanged('settings', held.reload);
    b.config.onChanged('budgets', budgets);

    a.config.changed('settings');
    expect(fixture.store.delivered).not.toContainEqual({ kind: 'config', what: 'settings' });
    await settle();
    expect(fixture.store.delivered).toContainEqual({ kind: 'config', what: 'settings' });
    expect(held.counts.runs).toBe(1);
    a.config.changed('settings');
    await settle();
    a.config.changed('settings');
    await settle();
    expect(held.counts.runs).toBe(1);
    held.ends.shift()?.();
    await settle();
    expect(held.counts.runs).toBe(2);
    held.ends.shift()?.();
    await settle();
    expect(held.counts).toEqual({ runs: 2, running: 0, most: 1 });
    expect(budgets).not.toHaveBeenCalled();
  });

  it('reads every configuration again once the signal connection is back after a loss', async () => {
    const a = fixture.fleet('a');
    await a.start();
    const reloads = { credentials: vi.fn(() => Promise.resolve()), settings: vi.fn(() => Promise.resolve()), budgets: vi.fn(() => Promise.resolve()) };
    for (const [what, reload] of Object.entries(reloads)) a.config.onChanged(what as keyof typeof reloads, reload);
    fixture.store.loseConnection();
    await settle();
    for (const reload of Object.values(reloads)) expect(reload).toHaveBeenCalledTimes(1);
  });

  it('tries a failed reload again a second later, never sooner, until one succeeds', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const reload = vi.fn().mockRejectedValueOnce(new Error('store unreachable')).mockRejectedValueOnce(new Error('still unreachable')).mockResolvedValue(undefined);
    b.config.onChanged('credentials', reload);
    a.config.changed('credentials');
    await settle();
    expect(reload).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS - 10);
    expect(reload).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(reload).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS);
    expect(reload).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(CHECK_INTERVAL_MS * 5);
    expect(reload).toHaveBeenCalledTimes(3);
  });

  it('runs no reload once unsubscribed, or once the fleet is closed', async () => {
    const [a, b] = [fixture.fleet('a'), fixture.fleet('b')];
    await Promise.all([a.start(), b.start()]);
    const [dropped, kept] = [vi.fn(() => Promise.resolve()), vi.fn(() => Promise.resolve())];
    b.config.onChanged('settings', dropped)();
    b.config.onChanged('settings', kept);
    a.config.changed('settings');
    await settle();
    expect(dropped).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    await b.close();
    a.config.changed('settings');
    fixture.store.loseConnection();
    await settle();
    expect(kept).toHaveBeenCalledTimes(1);
  });
});
