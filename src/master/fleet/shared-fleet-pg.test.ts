import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { postgresAvailable, stopWorkerPostgres } from '../../test-support/postgres-server.js';
import { testDatabaseUrl } from '../../test-support/test-database.js';
import { waitFor } from '../../test-support/wait.js';
import { CredentialService } from '../auth/index.js';
import { SettingsService, type CurrentBridgeSettings } from '../settings/index.js';
import { PgStore } from '../store/pg/index.js';
import { settled, type FleetStore, type JobRecord, type LiveNode, type Store } from '../store/index.js';
import { newJob } from '../store/store-suite/fixtures.js';
import type { Fleet } from './fleet.js';
import { createFleet } from './create-fleet.js';

/** Short, so that a crashed master's jobs are taken over within a couple of seconds. */
const LEASE_MS = 1_500;

const stores: PgStore[] = [];
const fleets: Fleet[] = [];

async function master(url: string, name: string): Promise<{ store: PgStore; fleet: Fleet }> {
  const store = await PgStore.open(url, silentLogger());
  stores.push(store);
  const fleet = createFleet(store, { name, leaseMs: LEASE_MS, askTimeoutMs: 5_000, log: silentLogger() });
  fleets.push(fleet);
  await fleet.start();
  return { store, fleet };
}

function fleetOf(store: Store): FleetStore {
  if (!store.fleet) throw new Error('this PostgreSQL store has no fleet');
  return store.fleet;
}

afterAll(async () => {
  for (const fleet of fleets) await fleet.close();
  for (const store of stores) await store.close();
  await stopWorkerPostgres();
});

describe.skipIf(!postgresAvailable())('SharedFleet on PostgreSQL', () => {
  it('carries asks, job changes and node lists between two masters on one database', async () => {
    const url = await testDatabaseUrl('fleet_pg');
    const [a, b] = [await master(url, 'a'), await master(url, 'b')];
    expect([a.fleet.shared, b.fleet.shared]).toEqual([true, true]);
    b.fleet.serve((ask) => Promise.resolve({ ok: true, value: { served: ask.kind, by: 'b' } }));
    await expect(a.fleet.ask(b.fleet.masterId, { jobId: 1, kind: 'cancel', payload: null })).resolves.toEqual({ ok: true, value: { served: 'cancel', by: 'b' } });

    const heard = new Promise<readonly number[]>((resolve) => b.fleet.onRemoteJobs(resolve));
    const { id } = await a.store.jobs.create(newJob(), new Date().toISOString());
    a.fleet.changed(id);
    await settled(a.store.commit());
    expect(await heard).toContain(id);

    const node: LiveNode = { info: { name: 'na', tags: [], status: 'online' } as unknown as LiveNode['info'], masterId: a.fleet.masterId, running: [] };
    a.fleet.publishNodes([node]);
    await waitFor(() => b.fleet.remoteNodes().length === 1, "a's node on b");
    expect(b.fleet.remoteNodes()).toEqual([node]);
    expect(a.fleet.remoteNodes()).toEqual([]);

    await a.fleet.close();
    await waitFor(() => b.fleet.remoteNodes().length === 0, "a's node gone from b once a left");
  });

  it('carries a credential made or revoked, and bridge settings saved, on one master to the other', async () => {
    const url = await testDatabaseUrl('fleet_pg_config');
    const [a, b] = [await master(url, 'a'), await master(url, 'b')];
    const secrets = { admin: 'admin-secret', node: 'node-secret', bridge: 'bridge-secret' };
    const [credentialsA, credentialsB] = [new CredentialService(secrets, a.store, silentLogger(), a.fleet.config), new CredentialService(secrets, b.store, silentLogger(), b.fleet.config)];
    await Promise.all([credentialsA.load(), credentialsB.load()]);
    const revokedOnB: string[] = [];
    credentialsB.onRevoked((name) => revokedOnB.push(name));
    const { token } = await credentialsA.create('node', 'laptop');
    await waitFor(() => credentialsB.identify(token), 'the credential made on a to be accepted on b');
    await credentialsA.revoke('laptop');
    await waitFor(() => revokedOnB.length > 0, 'b to hear of the revocation');
    expect(revokedOnB).toEqual(['laptop']);
    expect(credentialsB.identify(token)).toBeUndefined();

    const [settingsA, settingsB] = await Promise.all([SettingsService.open(a.store, silentLogger(), a.fleet.config), SettingsService.open(b.store, silentLogger(), b.fleet.config)]);
    const heardOnB: CurrentBridgeSettings[] = [];
    settingsB.subscribe((current) => heardOnB.push(current));
    const saved = await settingsA.save({ memo: 'saved on a' });
    await waitFor(() => heardOnB.length > 0, 'b to hear of the settings saved on a');
    expect(heardOnB).toEqual([saved]);
    expect(settingsB.get()).toEqual(saved);
  });

  it("takes a crashed master's jobs over once its lease runs out, on one master only", async () => {
    const url = await testDatabaseUrl('fleet_pg_orphans');
    const [a, b] = [await master(url, 'a'), await master(url, 'b')];
    const taken: JobRecord[] = [];
    a.fleet.onOrphans((jobs) => taken.push(...jobs));
    b.fleet.onOrphans((jobs) => taken.push(...jobs));
    const crashed = fleetOf(a.store);
    const now = new Date().toISOString();
    crashed.renew({ id: 'crashed', name: 'crashed', startedAt: now, leaseUntil: new Date(Date.now() + LEASE_MS).toISOString() });
    const { id } = await a.store.jobs.create(newJob(), now);
    await settled(a.store.commit());
    await expect(crashed.claim([{ jobId: id, node: 'n1', attempt: 1, assignedAt: now }], 'crashed')).resolves.toEqual([id]);
    await settled(a.store.commit());
    await waitFor(() => taken.length > 0, 'the orphan taken over', LEASE_MS + 5_000);
    expect(taken.map((job) => job.id)).toEqual([id]);
    const owner = await a.fleet.owner(id);
    expect([a.fleet.masterId, b.fleet.masterId]).toContain(owner);
  });
});
