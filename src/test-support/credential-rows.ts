import type { StoredCredential } from '../master/store/index.js';

/**
 * `CredentialStore.add` over rows in memory, for fakes of the store: a name taken in any case
 * stores nothing and says false, as both engines do.
 */
export function addCredentialRow(rows: StoredCredential[], credential: Omit<StoredCredential, 'lastUsedAt'>): Promise<boolean> {
  const taken = rows.some((row) => row.name.toLowerCase() === credential.name.toLowerCase());
  if (!taken) rows.push({ ...credential, lastUsedAt: undefined });
  return Promise.resolve(!taken);
}
