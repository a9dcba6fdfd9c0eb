/** The roles a per-machine credential can grant (the admin credential is never per machine). */
export type MachineRole = 'node' | 'bridge';

/** A per-machine credential as stored: its token only as a SHA-256 digest (hex). */
export interface StoredCredential {
  name: string;
  role: MachineRole;
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | undefined;
}

/**
 * Per-machine credentials. Names are unique regardless of case. Writes join the current unit of
 * work: settle it (the store's `commit()`) before telling anyone about them.
 */
export interface CredentialStore {
  /** Oldest first. */
  list(): Promise<StoredCredential[]>;
  /**
   * Stores a credential; false when one of that name (in any case) or token is stored already,
   * and then nothing is (another master may have made it meanwhile).
   */
  add(credential: Omit<StoredCredential, 'lastUsedAt'>): Promise<boolean>;
  /** False when there was no credential with this name. */
  remove(name: string): Promise<boolean>;
  markUsed(name: string, at: string): void;
}
