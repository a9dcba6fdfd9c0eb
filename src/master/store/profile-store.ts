import type { NamedProfile } from '../../protocol/index.js';

/**
 * Named profiles made through the API (the profiles file's live in memory only). Writes join the
 * current unit of work: settle it (the store's `commit()`) before telling anyone about them.
 */
export interface ProfileStore {
  /** Every stored profile, by name. */
  list(): Promise<NamedProfile[]>;
  /** Creates or replaces the profile of this name. */
  put(profile: NamedProfile, at: string): void;
  /** Whether there was one to delete. */
  delete(name: string): Promise<boolean>;
}
