import type { Logger } from '../../log/index.js';
import { CodedError } from '../coded-error.js';
import { SOLO_CONFIG, type ConfigChanges } from '../fleet/config-changes.js';
import { Listeners } from '../listeners.js';
import { settled, StoreConstraintError, type RemoteNode, type RemoteNodeChanges, type RemoteNodeStatus, type Store } from '../store/index.js';

/** A new record as a person describes it; tags default to `REMOTE_DEFAULT_TAGS`, status to `offline`. */
export interface RemoteNodeInput {
  name: string;
  host: string;
  tags?: string[];
  status?: RemoteNodeStatus;
}

/** Every record, and the tags a new one gets when it names none. */
export interface RemoteNodeList {
  remoteNodes: RemoteNode[];
  defaultTags: string[];
}

/**
 * The dashboard's remote node records (the seed's mock-up: the master keeps them, it does not
 * connect to them). Every change is durable before subscribers hear of it; they hear of the
 * changes other masters sharing the store make too (`config`). The records are read from the
 * store each time: nothing is kept.
 */
export class RemoteNodeService {
  private readonly listeners: Listeners<RemoteNodeList>;

  constructor(
    private readonly store: Pick<Store, 'remoteNodes' | 'commit'>,
    private readonly defaultTags: readonly string[],
    private readonly log: Logger,
    private readonly config: ConfigChanges = SOLO_CONFIG,
  ) {
    this.listeners = new Listeners((error) => log.error({ err: error }, 'remote node listener failed'));
    config.onChanged('remote-nodes', () => this.announce());
  }

  async list(): Promise<RemoteNodeList> {
    return { remoteNodes: await this.store.remoteNodes.list(), defaultTags: [...this.defaultTags] };
  }

  /** Adds a record; `conflict` when the name is taken. Resolves once it is durable. */
  async add(input: RemoteNodeInput): Promise<RemoteNode> {
    await this.assertNameFree(input.name);
    const record = await nameClash(
      input.name,
      this.told(this.store.remoteNodes.add({ name: input.name, host: input.host, tags: input.tags ?? [...this.defaultTags], status: input.status ?? 'offline' }, new Date().toISOString())),
    );
    await this.changed('remote node added', record);
    return record;
  }

  /** Changes a record; `not_found` for an unknown id, `conflict` when the new name is taken. Resolves once it is durable. */
  async update(id: number, changes: RemoteNodeChanges): Promise<RemoteNode> {
    if (changes.name !== undefined) await this.assertNameFree(changes.name, id);
    const record = await nameClash(changes.name ?? '', this.told(this.store.remoteNodes.update(id, changes, new Date().toISOString())));
    if (!record) throw notFound(id);
    await this.changed('remote node changed', record);
    return record;
  }

  /** Deletes a record; `not_found` for an unknown id. Resolves once it is durable. */
  async remove(id: number): Promise<void> {
    if (!(await this.told(this.store.remoteNodes.remove(id)))) throw notFound(id);
    await this.changed('remote node deleted', { id });
  }

  /** Calls `listener` with the whole list after every change; the function returned unsubscribes. */
  subscribe(listener: (list: RemoteNodeList) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private async assertNameFree(name: string, exceptId?: number): Promise<void> {
    const holder = await this.store.remoteNodes.findByName(name);
    if (holder && holder.id !== exceptId) throw nameTaken(holder.name);
  }

  /** A write just made (not awaited yet), told to the other masters in its unit of work. */
  private told<T>(write: Promise<T>): Promise<T> {
    this.config.changed('remote-nodes');
    return write;
  }

  private async changed(what: string, record: Pick<RemoteNode, 'id'> & Partial<RemoteNode>): Promise<void> {
    // Dashboards show the change at once: it must survive a crash first.
    await settled(this.store.commit());
    this.log.info({ remoteNode: record.id, name: record.name, status: record.status }, what);
    await this.announce();
  }

  /** The whole list to the subscribers (a change here, or another master's). */
  private async announce(): Promise<void> {
    if (this.listeners.size > 0) this.listeners.emit(await this.list());
  }
}

function nameTaken(name: string, cause?: unknown): CodedError {
  return new CodedError('conflict', `a remote node named "${name}" already exists`, { cause });
}

/**
 * The store's own refusal of a name (`StoreConstraintError`: another request took it between the
 * check and the write, seen on PostgreSQL where masters share the table) as the check's `conflict`.
 */
async function nameClash<T>(name: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof StoreConstraintError) throw nameTaken(name, error);
    throw error;
  }
}

function notFound(id: number): CodedError {
  return new CodedError('not_found', `no remote node ${id}`);
}
