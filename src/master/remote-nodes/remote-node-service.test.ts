import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import { CodedError } from '../coded-error.js';
import { StoreConstraintError, type RemoteNode, type RemoteNodeStore, type Store } from '../store/index.js';
import { RemoteNodeService } from './remote-node-service.js';

const AT = '2026-01-01T00:00:00.000Z';
const beta: RemoteNode = { id: 2, name: 'beta', host: 'h', tags: [], status: 'online', createdAt: AT, updatedAt: AT };

/**
 * Records whose names another master takes between the service's check and its write: the check
 * finds the name free, the store refuses it (as PostgreSQL's store does, `StoreConstraintError`).
 */
function racedStore(): Pick<Store, 'remoteNodes' | 'commit'> {
  const taken = (): Promise<never> => Promise.reject(new StoreConstraintError('a remote node named "alpha" exists already'));
  const remoteNodes: RemoteNodeStore = {
    list: () => Promise.resolve([beta]),
    findByName: () => Promise.resolve(undefined),
    add: taken,
    update: taken,
    remove: () => Promise.resolve(true),
  };
  return { remoteNodes, commit: () => undefined };
}

describe('RemoteNodeService', () => {
  it('answers a name the store refuses, taken in a race, with the same conflict as its own check', async () => {
    const service = new RemoteNodeService(racedStore(), [], silentLogger());
    const expected = { code: 'conflict', message: 'a remote node named "alpha" already exists' };
    await expect(service.add({ name: 'alpha', host: 'h' })).rejects.toMatchObject(expected);
    await expect(service.update(beta.id, { name: 'alpha' })).rejects.toMatchObject(expected);
    const refused = await service.add({ name: 'alpha', host: 'h' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CodedError);
    expect((refused as CodedError).cause).toBeInstanceOf(StoreConstraintError);
  });
});
