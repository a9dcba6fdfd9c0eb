import type { Logger } from '../../log/index.js';
import { Listeners } from '../listeners.js';
import type { MasterMember } from '../store/index.js';

/**
 * The names of the masters sharing the store (`MASTER_NAME`, or `host:port`), by id: what the node
 * lists show beside each node instead of a master's id. Read from the store when a master not yet
 * named shows up (a node of it), which is once per start of each master: nothing is read while the
 * masters stay as they are.
 */
export class MasterNames {
  private readonly names: Map<string, string>;
  /** Ids a read has looked for: not read for again (a master gone before its nodes were read). */
  private readonly sought = new Set<string>();
  private reading: Promise<void> | undefined;
  /** The read's query is out: a master sought now may be missed by it. */
  private querying = false;
  /** A master to look for showed up while the query was out: read once more. */
  private again = false;
  private readonly listeners: Listeners<undefined>;

  constructor(
    private readonly members: () => Promise<MasterMember[]>,
    own: { id: string; name: string },
    private readonly log: Logger,
  ) {
    this.names = new Map([[own.id, own.name]]);
    this.sought.add(own.id);
    this.listeners = new Listeners((error) => log.error({ err: error }, 'a master names listener failed'));
  }

  /** The name of a master; undefined until it is read (asking starts the read). */
  get(id: string): string | undefined {
    const name = this.names.get(id);
    if (name === undefined) this.seek(id);
    return name;
  }

  /** Resolves once each of these masters is named, or a read did not find it (a failed read too, logged). */
  async known(ids: Iterable<string>): Promise<void> {
    for (const id of ids) this.seek(id);
    while (this.reading) await this.reading;
  }

  /** Called when a read named masters that were not named before. */
  onNamed(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private seek(id: string): void {
    if (this.sought.has(id)) return;
    this.sought.add(id);
    if (this.querying) this.again = true;
    this.reading ??= this.read();
  }

  private async read(): Promise<void> {
    // The masters sought in the rest of this turn (every node of a list) are found by this one read.
    await Promise.resolve();
    let named = false;
    do {
      this.again = false;
      this.querying = true;
      try {
        named = this.take(await this.members()) || named;
      } catch (error) {
        this.log.warn({ err: error }, 'could not read the names of the masters sharing the store; their nodes show their ids');
      } finally {
        this.querying = false;
      }
    } while (this.again);
    this.reading = undefined;
    if (named) this.listeners.emit(undefined);
  }

  /** Adds the names read (one per master start: a few a day); true when one is new. */
  private take(members: readonly MasterMember[]): boolean {
    let named = false;
    for (const { id, name } of members) {
      if (this.names.get(id) === name) continue;
      this.names.set(id, name);
      named = true;
    }
    return named;
  }
}
