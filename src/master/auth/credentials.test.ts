import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { StoreCommitError, type StoredCredential } from '../store/index.js';
import { CredentialService } from './credentials.js';
import { addCredentialRow } from '../../test-support/credential-rows.js';

const SECRETS = { admin: 'admin-secret', node: 'node-secret', bridge: 'bridge-secret' };

/** A store of credentials whose commits answer when the test says so (a database server's). */
function laterStore(stored: StoredCredential[] = []) {
  const rows = [...stored];
  const commits: Array<(error?: Error) => void> = [];
  const store = {
    credentials: {
      list: () => Promise.resolve([...rows]),
      add: (credential: Omit<StoredCredential, 'lastUsedAt'>) => addCredentialRow(rows, credential),
      remove: (name: string) => Promise.resolve(rows.splice(rows.findIndex((row) => row.name === name), 1).length > 0),
      markUsed: () => undefined,
    },
    commit: () => new Promise<void>((resolve, reject) => commits.push((error) => (error ? reject(error) : resolve()))),
  };
  return { store, rows, commits };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CredentialService', () => {
  it('accepts the stored per-machine credentials once loaded, the shared ones from the start', async () => {
    const first = laterStore();
    const maker = new CredentialService(SECRETS, first.store, silentLogger());
    const making = maker.create('node', 'laptop');
    await settle();
    first.commits.shift()?.();
    const { token } = await making;
    const service = new CredentialService(SECRETS, laterStore(first.rows).store, silentLogger());
    expect(service.identify('node-secret')).toEqual({ role: 'node' });
    expect(service.identify(token)).toBeUndefined();
    await service.load();
    expect(service.identify(token)).toEqual({ role: 'node', machine: 'laptop' });
    expect((await service.list()).map((c) => c.name)).toEqual(['laptop']);
  });

  it('takes a new credential once durable, and refuses its name meanwhile', async () => {
    const { store, commits } = laterStore();
    const service = new CredentialService(SECRETS, store, silentLogger());
    let made = false;
    const making = service.create('bridge', 'chat').then((created) => ((made = true), created));
    await expect(service.create('node', 'CHAT')).rejects.toMatchObject({ code: 'conflict' });
    await settle();
    expect(made).toBe(false);
    expect(await service.list()).toEqual([]);
    commits.shift()?.();
    const { token } = await making;
    expect(service.identify(token)).toEqual({ role: 'bridge', machine: 'chat' });
  });

  it('refuses a name the store has taken already (made through another master, not heard of yet), giving no token', async () => {
    const elsewhere: StoredCredential = { name: 'Laptop', role: 'node', tokenHash: 'f'.repeat(64), createdAt: '2026-12-01T00:00:00.000Z', lastUsedAt: undefined };
    const { store, commits, rows } = laterStore([elsewhere]);
    const service = new CredentialService(SECRETS, store, silentLogger());
    await expect(service.create('bridge', 'laptop')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('"laptop" already exists') as unknown });
    expect(commits).toEqual([]);
    expect(rows).toEqual([elsewhere]);
    expect(await service.list()).toEqual([]);
  });

  it('refuses a revoked credential at once, tells the listeners once durable, and keeps it when the commit fails', async () => {
    const { store, commits } = laterStore();
    const service = new CredentialService(SECRETS, store, silentLogger());
    const making = service.create('node', 'n1');
    await settle();
    commits.shift()?.();
    const { token } = await making;
    const told: string[] = [];
    service.onRevoked((name) => told.push(name));

    const failing = service.revoke('n1');
    expect(service.identify(token)).toBeUndefined();
    await settle();
    commits.shift()?.(new StoreCommitError('the store could not commit: connection lost'));
    await expect(failing).rejects.toBeInstanceOf(StoreCommitError);
    expect(service.identify(token)).toEqual({ role: 'node', machine: 'n1' });
    expect(told).toEqual([]);

    const revoking = service.revoke('n1');
    await settle();
    expect(told).toEqual([]);
    commits.shift()?.();
    await revoking;
    expect(told).toEqual(['n1']);
    expect(service.identify(token)).toBeUndefined();
  });
});
