import type { Logger } from '../../log/index.js';
import { Listeners } from '../listeners.js';
import type { FleetStore, LiveNode } from '../store/index.js';
import type { MemberWatch } from './member-watch.js';
import { SerialTask } from './serial-task.js';

/**
 * The nodes of the other live masters, as last read from the store: reloaded on a `nodes` signal
 * (one read at a time, a signal during it making one more), and filtered again whenever the live
 * masters change, so that a dead master's nodes leave the view before anyone drops them.
 */
export class RemoteNodeView {
  private stored: readonly LiveNode[] = [];
  private view: readonly LiveNode[] = [];
  private viewText = '[]';
  private closed = false;
  private readonly listeners: Listeners<undefined>;
  private readonly loading: SerialTask;

  constructor(
    private readonly store: FleetStore,
    private readonly masterId: string,
    private readonly members: MemberWatch,
    log: Logger,
  ) {
    this.listeners = new Listeners((error) => log.error({ err: error }, 'fleet: a remote nodes listener failed'));
    this.loading = new SerialTask("read the other masters' nodes", () => this.load(), log);
  }

  nodes(): readonly LiveNode[] {
    return this.view;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** Reads the nodes again (a `nodes` signal, a master lost, a lost signal connection). */
  reload(): Promise<void> {
    return this.loading.run();
  }

  /** Filters again with the masters alive now; tells the listeners when the view changed. */
  refresh(): void {
    if (this.closed) return;
    const view = this.stored.filter((node) => node.masterId !== this.masterId && this.members.isAlive(node.masterId));
    const text = JSON.stringify(view);
    if (text === this.viewText) return;
    this.view = view;
    this.viewText = text;
    this.listeners.emit(undefined);
  }

  close(): void {
    this.closed = true;
  }

  private async load(): Promise<void> {
    if (this.closed) return;
    this.stored = await this.store.liveNodes();
    this.refresh();
  }
}
