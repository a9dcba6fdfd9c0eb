import { afterEach, beforeEach, vi } from 'vitest';
import { silentLogger } from '../log/index.js';
import { SharedFleet, type SharedFleetOptions } from '../master/fleet/index.js';
import type { LiveNode } from '../master/store/index.js';
import { FakeFleetStore } from './fake-fleet-store.js';

/** The lease of the fixture's masters: short, so that tests move the fake clock little. */
export const LEASE_MS = 3_000;
export const ASK_TIMEOUT_MS = 2_000;

/** Masters on one `FakeFleetStore`, under fake timers: fresh for each test, closed after it. */
export interface FleetFixture {
  /** This test's store. */
  readonly store: FakeFleetStore;
  /** A master (not started) on this test's store: id `id`, named `master-<id>`. */
  fleet(id: string, options?: Partial<SharedFleetOptions>): SharedFleet;
}

/** Registers the hooks of a `SharedFleet` test file (fake timers from 2030-01-01, a fresh store, the masters closed). */
export function useFleetFixture(): FleetFixture {
  let store = new FakeFleetStore();
  let fleets: SharedFleet[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z') });
    store = new FakeFleetStore();
    fleets = [];
  });
  afterEach(async () => {
    await Promise.all(fleets.map((made) => made.close()));
    vi.useRealTimers();
  });
  return {
    get store() {
      return store;
    },
    fleet(id, options = {}) {
      const made = new SharedFleet(store, { masterId: id, name: `master-${id}`, leaseMs: LEASE_MS, askTimeoutMs: ASK_TIMEOUT_MS, log: silentLogger(), ...options });
      fleets.push(made);
      return made;
    },
  };
}

/**
 * Runs what is due now: commits (setImmediate), signals and the chores they start, a millisecond at
 * a time (the fake clock puts an immediate made by a timer's callback one millisecond later).
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(1);
}

/** A node as a master publishes it (only its name filled in). */
export function liveNode(name: string, masterId: string, running: number[] = []): LiveNode {
  return { info: { name } as LiveNode['info'], masterId, running };
}

/** A master that registered and then stopped renewing (it crashed): dead once `LEASE_MS` has passed. */
export function crashedMaster(store: FakeFleetStore, id: string): void {
  store.renew({ id, name: id, startedAt: new Date().toISOString(), leaseUntil: new Date(Date.now() + LEASE_MS).toISOString() });
}
