import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log/index.js';
import { isoNow } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import { Listeners } from '../listeners.js';
import { SOLO_CONFIG, type ConfigChanges } from '../fleet/config-changes.js';
import { OneAtATime } from '../fleet/one-at-a-time.js';
import { settled, type CredentialStore, type MachineRole, type Store, type StoredCredential } from '../store/index.js';
import { digest, sameDigest } from './tokens.js';

/** What a credential lets its holder be: the API's admin, a node, or a chat bridge. */
export type CredentialRole = 'admin' | MachineRole;

/** Who a node or bridge credential proves its bearer to be. */
export interface PeerPrincipal {
  role: MachineRole;
  /** The per-machine credential's name (the connection's name is pinned to it); unset for the shared ones. */
  machine?: string;
}

/** Who a presented token proves its bearer to be. */
export type Principal = { role: 'admin' } | PeerPrincipal;

/** The shared credentials: configured, or generated and kept in the data dir. */
export interface SharedSecrets {
  admin: string;
  node: string;
  bridge: string;
}

/** A per-machine credential as the API shows it: never its token. */
export interface CredentialView {
  name: string;
  role: MachineRole;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A credential just made: the only time its token is seen. */
export interface NewCredential extends CredentialView {
  token: string;
}

/**
 * Every credential the master accepts, and the role each grants. Tokens are compared as SHA-256
 * digests: the shared ones in constant time, the per-machine ones by looking their digest up
 * (a digest of a 256-bit random token tells nothing about the token). The per-machine ones are
 * kept in memory, so that checking a token never waits for the store: read by `load()` before
 * the master serves, and again whenever another master sharing the store made or revoked one
 * (`config`), when the ones it revoked are refused and their connections closed here too. Loads
 * and this master's own creates and revokes run one at a time, so that a load never undoes a
 * change it did not see.
 */
export class CredentialService {
  private readonly shared: { role: CredentialRole; digest: Buffer }[];
  /** Per-machine credentials by the hex digest of their token. */
  private machines = new Map<string, StoredCredential>();
  /** Names (lower case) of credentials being created, not yet durable. */
  private readonly pendingNames = new Set<string>();
  /** Digests of credentials being revoked: refused already, whatever a load reads meanwhile. */
  private readonly revoking = new Set<string>();
  private readonly revoked: Listeners<string>;
  /** Loads, creates and revokes, one at a time. */
  private readonly queue = new OneAtATime();
  /** Whether the credentials were read once: later reads find other masters' changes. */
  private loaded = false;

  constructor(
    secrets: SharedSecrets,
    private readonly store: Pick<Store, 'commit'> & { credentials: CredentialStore },
    private readonly log: Logger,
    private readonly config: ConfigChanges = SOLO_CONFIG,
  ) {
    this.shared = (['admin', 'node', 'bridge'] as const).map((role) => ({ role, digest: digest(secrets[role]) }));
    this.revoked = new Listeners((error) => log.error({ err: error }, 'credential revocation listener failed'));
    config.onChanged('credentials', () => this.queue.run(() => this.read()));
  }

  /** Reads the per-machine credentials; until then only the shared ones are accepted. */
  load(): Promise<void> {
    return this.queue.run(() => this.read());
  }

  /** The principal a token proves, or undefined for a missing or unknown token. */
  identify(token: string | undefined): Principal | undefined {
    if (token === undefined) return undefined;
    const presented = digest(token);
    for (const { role, digest: expected } of this.shared) if (sameDigest(presented, expected)) return { role };
    const machine = this.machines.get(presented.toString('hex'));
    if (!machine) return undefined;
    machine.lastUsedAt = isoNow();
    this.store.credentials.markUsed(machine.name, machine.lastUsedAt);
    return { role: machine.role, machine: machine.name };
  }

  /** Oldest first (from memory: a promise like every other listing the API makes). */
  list(): Promise<CredentialView[]> {
    return Promise.resolve([...this.machines.values()].map(view).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name)));
  }

  /**
   * Makes a per-machine credential; its token is returned this once and stored only as a digest.
   * Resolves once it is durable; it is accepted from then on. The name is taken at once, so a
   * second create of it meanwhile is a `conflict`.
   */
  async create(role: MachineRole, name: string): Promise<NewCredential> {
    if (this.find(name) || this.pendingNames.has(name.toLowerCase())) {
      throw new CodedError('conflict', `a credential named "${name}" already exists; revoke it first or choose another name`);
    }
    const token = `csc_${role}_${randomBytes(32).toString('base64url')}`;
    const credential: StoredCredential = { name, role, tokenHash: digest(token).toString('hex'), createdAt: isoNow(), lastUsedAt: undefined };
    this.pendingNames.add(name.toLowerCase());
    try {
      await this.queue.run(async () => {
        const adding = this.store.credentials.add(credential);
        this.config.changed('credentials');
        // Made meanwhile through another master sharing the store: its name is taken there.
        if (!(await adding)) throw new CodedError('conflict', `a credential named "${name}" already exists; revoke it first or choose another name`);
        await settled(this.store.commit());
        this.machines.set(credential.tokenHash, credential);
      });
    } finally {
      this.pendingNames.delete(name.toLowerCase());
    }
    this.log.info({ credential: name, role }, 'credential created');
    return { ...view(credential), token };
  }

  /**
   * Revokes a per-machine credential: it is refused at once, and its connections are closed once
   * the removal is durable, when this resolves.
   */
  async revoke(name: string): Promise<void> {
    const credential = this.find(name);
    if (!credential) throw new CodedError('not_found', `no credential named "${name}"`);
    this.machines.delete(credential.tokenHash);
    this.revoking.add(credential.tokenHash);
    try {
      await this.queue.run(async () => {
        const removing = this.store.credentials.remove(credential.name);
        this.config.changed('credentials');
        await removing;
        await settled(this.store.commit());
      });
    } catch (error) {
      // Still stored: it still works, as it will after a restart.
      this.machines.set(credential.tokenHash, credential);
      throw error;
    } finally {
      this.revoking.delete(credential.tokenHash);
    }
    this.log.info({ credential: credential.name, role: credential.role }, 'credential revoked');
    this.revoked.emit(credential.name);
  }

  /** Called with the name of each credential revoked (here once the revocation is stored, or by another master). */
  onRevoked(listener: (name: string) => void): () => void {
    return this.revoked.subscribe(listener);
  }

  /**
   * Replaces the credentials in memory with the stored ones (but those being revoked here). Those
   * gone since the last read were revoked by another master: refused and disconnected here too.
   */
  private async read(): Promise<void> {
    const next = new Map<string, StoredCredential>();
    for (const credential of await this.store.credentials.list()) {
      if (this.revoking.has(credential.tokenHash)) continue;
      const known = this.machines.get(credential.tokenHash);
      // This master's own sightings may be newer than the store's (written with a later commit).
      if (known?.lastUsedAt !== undefined && known.lastUsedAt > (credential.lastUsedAt ?? '')) credential.lastUsedAt = known.lastUsedAt;
      next.set(credential.tokenHash, credential);
    }
    const gone = [...this.machines.values()].filter((credential) => !next.has(credential.tokenHash));
    const added = this.loaded ? [...next.values()].filter((credential) => !this.machines.has(credential.tokenHash)) : [];
    this.machines = next;
    this.loaded = true;
    for (const credential of added) this.log.info({ credential: credential.name, role: credential.role }, 'credential created on another master');
    for (const credential of gone) {
      this.log.info({ credential: credential.name, role: credential.role }, 'credential revoked on another master');
      this.revoked.emit(credential.name);
    }
  }

  private find(name: string): StoredCredential | undefined {
    const wanted = name.toLowerCase();
    for (const credential of this.machines.values()) if (credential.name.toLowerCase() === wanted) return credential;
    return undefined;
  }
}

function view(credential: StoredCredential): CredentialView {
  return { name: credential.name, role: credential.role, createdAt: credential.createdAt, lastUsedAt: credential.lastUsedAt ?? null };
}
