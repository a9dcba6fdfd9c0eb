/** The masters a node or bridge may connect to, in the order they are tried; never empty. */
export type MasterUrls = readonly [string, ...string[]];

/**
 * Which master a node or bridge dials next. It starts with the first; after a connection that
 * failed or dropped the caller moves on, round-robin, so that one master that is gone costs a single
 * attempt before another one is tried, and a master that comes back is reached again in its turn.
 */
export class MasterAddresses {
  private index = 0;

  constructor(private readonly urls: MasterUrls) {}

  /** The address to dial now. */
  get current(): string {
    return this.urls[this.index] ?? this.urls[0];
  }

  /** Whether there is another master to move on to. */
  get several(): boolean {
    return this.urls.length > 1;
  }

  /** Moves on to the next address (after the last, the first again) and returns it. */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }
}
