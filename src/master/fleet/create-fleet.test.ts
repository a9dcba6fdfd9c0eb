import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { FakeFleetStore } from '../../test-support/fake-fleet-store.js';
import { CodedError } from '../coded-error.js';
import type { Store } from '../store/index.js';
import { createFleet } from './create-fleet.js';
import { SharedFleet } from './shared-fleet.js';
import { SoloFleet } from './solo-fleet.js';

const CANCEL = { jobId: 1, kind: 'cancel', payload: null } as const;

describe('createFleet', () => {
  it('is solo on a store that cannot be shared, and shared on one that can', () => {
    const solo = createFleet({} as Store, { name: 'a', log: silentLogger() });
    expect(solo).toBeInstanceOf(SoloFleet);
    expect(solo.shared).toBe(false);
    const shared = createFleet({ fleet: new FakeFleetStore() } as unknown as Store, { masterId: 'm1', name: 'a', log: silentLogger() });
    expect(shared).toBeInstanceOf(SharedFleet);
    expect(shared).toMatchObject({ shared: true, masterId: 'm1' });
  });
});

describe('SoloFleet', () => {
  it('wins every claim in the same turn and has nothing remote', async () => {
    const fleet = new SoloFleet();
    expect(fleet.masterId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fleet.claim()).toBe(true);
    fleet.publishNodes();
    expect(fleet.remoteNodes()).toEqual([]);
    await expect(fleet.owner()).resolves.toBeUndefined();
    await expect(fleet.adopt()).resolves.toBeUndefined();
    await fleet.start();
    await fleet.close();
  });

  it('serves an ask to itself (a coded error as the reply) and refuses one to any other master', async () => {
    const fleet = new SoloFleet({ masterId: 'me' });
    await expect(fleet.ask('me', CANCEL)).rejects.toMatchObject({ code: 'node_unavailable' });
    fleet.serve(({ jobId }) => (jobId === 1 ? Promise.resolve({ ok: true, value: 'cancelled' }) : Promise.reject(new CodedError('not_found', 'no job 2'))));
    await expect(fleet.ask('me', CANCEL)).resolves.toEqual({ ok: true, value: 'cancelled' });
    await expect(fleet.ask('me', { ...CANCEL, jobId: 2 })).resolves.toEqual({ ok: false, code: 'not_found', message: 'no job 2' });
    await expect(fleet.ask('other', CANCEL)).rejects.toBeInstanceOf(CodedError);
  });
});
