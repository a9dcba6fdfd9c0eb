import type { Logger } from '../../log/index.js';
import { isoNow, type AgentRole, type NamedProfile } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { ProfileStore } from '../store/index.js';
import { DEFAULT_AGENTS, type ProfilesFile } from './profiles-file.js';

/**
 * The master's named profiles: the profiles file's (read-only, `source: file`) and those made
 * through the API (`source: api`, stored). A file profile wins a name: the API cannot shadow it.
 * Also the `mode: multi` pipeline's agents, in order.
 */
export class ProfileService {
  private readonly fromFile: Map<string, NamedProfile>;
  /** The pipeline's roles, in order. */
  readonly agents: readonly AgentRole[];

  constructor(
    private readonly store: ProfileStore,
    file: ProfilesFile | undefined,
    private readonly log: Logger,
  ) {
    this.fromFile = new Map((file?.profiles ?? []).map((profile) => [profile.name, { ...profile, source: 'file' as const }]));
    this.agents = file?.agents ?? DEFAULT_AGENTS;
  }

  /** Every profile, by name. */
  list(): NamedProfile[] {
    const stored = this.store.list().filter((profile) => !this.fromFile.has(profile.name));
    return [...this.fromFile.values(), ...stored.map((profile) => ({ ...profile, source: 'api' as const }))].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The profile of this name; `bad_request` naming the known ones when there is none (a request named it). */
  get(name: string): NamedProfile {
    const profile = this.find(name);
    if (profile) return profile;
    const known = this.list().map((p) => p.name);
    throw new CodedError('bad_request', `no profile named "${name}"${known.length > 0 ? ` (there are ${known.join(', ')})` : ' (there are none yet)'}`);
  }

  /** Creates or replaces an API profile; a file profile is changed in its file (`conflict`). Returns it and whether it is new. */
  put(profile: NamedProfile): { profile: NamedProfile; created: boolean } {
    this.refuseFileProfile(profile.name, 'changed');
    const created = this.find(profile.name) === undefined;
    const saved = { ...profile, source: 'api' as const };
    this.store.put(saved, isoNow());
    this.log.info({ profile: profile.name, created }, 'profile saved');
    return { profile: saved, created };
  }

  delete(name: string): void {
    this.refuseFileProfile(name, 'deleted');
    if (!this.store.delete(name)) throw new CodedError('not_found', `no profile named "${name}"`);
    this.log.info({ profile: name }, 'profile deleted');
  }

  private find(name: string): NamedProfile | undefined {
    const stored = this.store.list().find((profile) => profile.name === name);
    return this.fromFile.get(name) ?? (stored && { ...stored, source: 'api' });
  }

  private refuseFileProfile(name: string, what: string): void {
    if (this.fromFile.has(name)) throw new CodedError('conflict', `profile "${name}" comes from MASTER_PROFILES_FILE: it is ${what} in that file, not through the API`);
  }
}
