import type { LiveNode } from '../store/index.js';

/**
 * At most one write of the node list per this: a burst of connections (a restart of many nodes,
 * each `hello` a change) becomes a handful of writes and signals, each making every other master
 * reload the list, while a dashboard still sees a change within a tenth of a second.
 */
export const NODE_PUBLISH_INTERVAL_MS = 100;

/**
 * Writes this master's node list, throttled: the first change is written at once, later ones at
 * most every `NODE_PUBLISH_INTERVAL_MS`, and the last state is always written (a change within the
 * interval waits for its end, replacing any state still waiting). A write that throws is tried
 * again at the end of the next interval, unless a newer state replaced it.
 */
export class NodePublisher {
  private waiting: readonly LiveNode[] | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly write: (nodes: readonly LiveNode[]) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  publish(nodes: readonly LiveNode[]): void {
    if (this.closed) return;
    this.waiting = [...nodes];
    if (this.timer) return;
    const wait = this.lastWrite + NODE_PUBLISH_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.schedule(wait);
  }

  /** Stops writing: a state still waiting is dropped (the master is leaving, its list with it). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(wait: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  private flush(): void {
    const nodes = this.waiting;
    if (!nodes || this.closed) return;
    this.waiting = undefined;
    this.lastWrite = Date.now();
    try {
      this.write(nodes);
    } catch (error) {
      this.onError(error);
      this.waiting ??= nodes;
      this.schedule(NODE_PUBLISH_INTERVAL_MS);
    }
  }
}
