import type { Logger } from '../../log/index.js';
import { isoNow, type AgentRole, type NamedProfile } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import { settled, type Store } from '../store/index.js';
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
    private readonly store: Pick<Store, 'profiles' | 'commit'>,
    file: ProfilesFile | undefined,
    private readonly log: Logger,
  ) {
    this.fromFile = new Map((file?.profiles ?? []).map((profile) => [profile.name, { ...profile, source: 'file' as const }]));
    this.agents = file?.agents ?? DEFAULT_AGENTS;
  }

  /** Every profile, by name. */
  async list(): Promise<NamedProfile[]> {
    const stored = (await this.store.profiles.list()).filter((profile) => !this.fromFile.has(profile.name));
    return [...this.fromFile.values(), ...stored.map((profile) => ({ ...profile, source: 'api' as const }))].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The profile of this name. None is `bad_request`, naming the known ones: a request named it
   * (a job's `profileName`), so the request is what is wrong.
   */
  async get(name: string): Promise<NamedProfile> {
    const fromFile = this.fromFile.get(name);
    if (fromFile) return fromFile;
    const all = await this.list();
    const profile = all.find((p) => p.name === name);
    if (profile) return profile;
    const known = all.map((p) => p.name);
    throw new CodedError('bad_request', `no profile named "${name}"${known.length > 0 ? ` (there are ${known.join(', ')})` : ' (there are none yet)'}`);
  }

  /**
   * Creates or replaces an API profile; a file profile is changed in its file (`conflict`).
   * Resolves once it is durable, with it and whether it is new.
   */
  async put(profile: NamedProfile): Promise<{ profile: NamedProfile; created: boolean }> {
    this.refuseFileProfile(profile.name, 'changed');
    const created = !(await this.store.profiles.list()).some((stored) => stored.name === profile.name);
    const saved = { ...profile, source: 'api' as const };
    this.store.profiles.put(saved, isoNow());
    await settled(this.store.commit());
    this.log.info({ profile: profile.name, created }, 'profile saved');
    return { profile: saved, created };
  }

  /** Deletes an API profile (`not_found`: none); resolves once that is durable. */
  async delete(name: string): Promise<void> {
    this.refuseFileProfile(name, 'deleted');
    if (!(await this.store.profiles.delete(name))) throw new CodedError('not_found', `no profile named "${name}"`);
    await settled(this.store.commit());
    this.log.info({ profile: name }, 'profile deleted');
  }

  private refuseFileProfile(name: string, what: string): void {
    if (this.fromFile.has(name)) throw new CodedError('conflict', `profile "${name}" comes from MASTER_PROFILES_FILE: it is ${what} in that file, not through the API`);
  }
}
