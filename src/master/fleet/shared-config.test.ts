import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { Budgets } from '../../protocol/index.js';
import { settle, useFleetFixture } from '../../test-support/fleet-fixture.js';
import { CredentialService } from '../auth/index.js';
import { SettingsService } from '../settings/index.js';
import { RemoteNodeService, type RemoteNodeList } from '../remote-nodes/index.js';
import type { RemoteNode, SavedBridgeSettings, StoredCredential, Store } from '../store/index.js';
import { UsageService } from '../usage/index.js';
import type { SharedFleet } from './shared-fleet.js';
import { addCredentialRow } from '../../test-support/credential-rows.js';

const fixture = useFleetFixture();
const SECRETS = { admin: 'admin-secret', node: 'node-secret', bridge: 'bridge-secret' };

/**
 * The configuration tables two masters share, in memory. Writes apply at once, commits answer at
 * once; `holdLists` makes credential listings wait for the test (a load under way).
 */
function sharedTables() {
  const rows: StoredCredential[] = [];
  let bridges: SavedBridgeSettings | undefined;
  let budgets: Budgets | undefined;
  const records: RemoteNode[] = [];
  const heldLists: Array<() => void> = [];
  const tables = { holdLists: false, heldLists };
  const store = {
    credentials: {
      list: () => {
        const copy = rows.map((row) => ({ ...row }));
        return tables.holdLists ? new Promise<StoredCredential[]>((resolve) => heldLists.push(() => resolve(copy))) : Promise.resolve(copy);
      },
      add: (credential: Omit<StoredCredential, 'lastUsedAt'>) => addCredentialRow(rows, credential),
      remove: (name: string) => Promise.resolve(rows.splice(rows.findIndex((row) => row.name === name), 1).length > 0),
      markUsed: () => undefined,
    },
    settings: {
      bridges: () => Promise.resolve(bridges && structuredClone(bridges)),
      saveBridges: (saved: SavedBridgeSettings) => void (bridges = structuredClone(saved)),
      budgets: () => Promise.resolve(budgets && { ...budgets }),
      saveBudgets: (saved: Budgets) => void (budgets = { ...saved }),
    },
    remoteNodes: {
      list: () => Promise.resolve(records.map((record) => ({ ...record }))),
      findByName: (name: string) => Promise.resolve(records.find((record) => record.name === name)),
      add: (input: Omit<RemoteNode, 'id' | 'createdAt' | 'updatedAt'>, at: string) => {
        const record = { ...input, id: records.length + 1, createdAt: at, updatedAt: at };
        records.push(record);
        return Promise.resolve(record);
      },
    },
    commit: () => undefined,
  };
  return Object.assign(tables, { store: store as unknown as Store });
}

/** Masters `a` and `b` on one fake fleet store, started. */
async function twoMasters(): Promise<[SharedFleet, SharedFleet]> {
  const fleets: [SharedFleet, SharedFleet] = [fixture.fleet('a'), fixture.fleet('b')];
  await Promise.all(fleets.map((fleet) => fleet.start()));
  return fleets;
}

describe('configuration shared by two masters', () => {
  it('accepts on B a credential made on A, and refuses it and closes its connections on B once A revoked it', async () => {
    const [a, b] = await twoMasters();
    const tables = sharedTables();
    const [onA, onB] = [new CredentialService(SECRETS, tables.store, silentLogger(), a.config), new CredentialService(SECRETS, tables.store, silentLogger(), b.config)];
    await Promise.all([onA.load(), onB.load()]);
    const revokedOnB: string[] = [];
    onB.onRevoked((name) => revokedOnB.push(name));

    const { token } = await onA.create('bridge', 'chat-1');
    expect(onB.identify(token)).toBeUndefined();
    await settle();
    expect(onB.identify(token)).toEqual({ role: 'bridge', machine: 'chat-1' });
    expect((await onB.list()).map((view) => view.name)).toEqual(['chat-1']);

    await onA.revoke('chat-1');
    await settle();
    expect(onB.identify(token)).toBeUndefined();
    expect(revokedOnB).toEqual(['chat-1']);
    expect(await onB.list()).toEqual([]);
  });

  it('never accepts again a credential revoked here while a load of the credentials was under way', async () => {
    const [a, b] = await twoMasters();
    const tables = sharedTables();
    const onB = new CredentialService(SECRETS, tables.store, silentLogger(), b.config);
    await onB.load();
    const { token } = await onB.create('node', 'laptop');
    tables.holdLists = true;
    a.config.changed('credentials');
    await settle();
    expect(tables.heldLists).toHaveLength(1);
    const revoking = onB.revoke('laptop');
    expect(onB.identify(token)).toBeUndefined();
    // The load read the credential before the revocation was written: it must not bring it back.
    tables.holdLists = false;
    tables.heldLists.shift()?.();
    await revoking;
    expect(onB.identify(token)).toBeUndefined();
    expect(await onB.list()).toEqual([]);
  });

  it("pushes A's bridge settings to B's subscribers, and a save on B keeps what A saved", async () => {
    const [a, b] = await twoMasters();
    const tables = sharedTables();
    const [onA, onB] = await Promise.all([SettingsService.open(tables.store, silentLogger(), a.config), SettingsService.open(tables.store, silentLogger(), b.config)]);
    const heardOnB: string[] = [];
    onB.subscribe((current) => heardOnB.push(current.settings.memo));

    await onA.save({ memo: 'from a', telegram: { botToken: '123:abc' } });
    await settle();
    expect(heardOnB).toEqual(['from a']);
    expect(onB.get().settings.telegram.botToken).toBe('123:abc');

    // B saves before it has heard of A's next save: both count.
    const savedOnA = onA.save({ slack: { defaultChannel: '#ops' } });
    await savedOnA;
    const savedOnB = await onB.save({ memo: 'from b' });
    expect(savedOnB.settings).toMatchObject({ memo: 'from b', slack: { defaultChannel: '#ops' }, telegram: { botToken: '123:abc' } });
    await settle();
    expect(onB.get()).toEqual(savedOnB);
    expect(onA.get()).toEqual(savedOnB);
    // A signal that repeats what B has already (its own save, a lost connection) tells nobody again.
    b.config.changed('settings');
    await settle();
    expect(heardOnB).toEqual(['from a', 'from b']);
  });

  it('puts budgets saved on A in force on B', async () => {
    const [a, b] = await twoMasters();
    const tables = sharedTables();
    const [onA, onB] = [new UsageService(tables.store, { userDaily: 5 }, silentLogger(), a.config), new UsageService(tables.store, { userDaily: 5 }, silentLogger(), b.config)];
    await Promise.all([onA.load(), onB.load()]);
    expect(onB.budgets()).toEqual({ userDaily: 5, chatDaily: null, masterDaily: null });
    await onA.saveBudgets({ chatDaily: 700, masterDaily: 9000 });
    await settle();
    expect(onB.budgets()).toEqual({ userDaily: null, chatDaily: 700, masterDaily: 9000 });
  });

  it("tells B's dashboards of a remote node record added through A", async () => {
    const [a, b] = await twoMasters();
    const tables = sharedTables();
    const [onA, onB] = [new RemoteNodeService(tables.store, ['gpu'], silentLogger(), a.config), new RemoteNodeService(tables.store, ['gpu'], silentLogger(), b.config)];
    const heardOnB: RemoteNodeList[] = [];
    onB.subscribe((list) => heardOnB.push(list));
    await onA.add({ name: 'alpha', host: 'alpha.example' });
    await settle();
    expect(heardOnB.map((list) => list.remoteNodes.map((record) => record.name))).toEqual([['alpha']]);
  });
});
