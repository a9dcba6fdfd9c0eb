import type { Logger } from '../../log/index.js';
import type { ConfigTopic, FleetStore } from '../store/fleet-store.js';
import type { ConfigChanges } from './config-changes.js';
import { CHECK_INTERVAL_MS } from './fleet-options.js';
import { SerialTask } from './serial-task.js';

/**
 * One subscriber's reload: one run at a time (`SerialTask`), and after a failure (the store briefly
 * unreachable) another run once a check interval has passed, never sooner: no signal may come to
 * trigger it, and a revoked credential must not stay accepted until one does.
 */
class Reload {
  private readonly task: SerialTask;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(what: ConfigTopic, reload: () => Promise<void>, log: Logger) {
    this.task = new SerialTask(
      `read the ${what} again`,
      async () => {
        if (this.closed) return;
        try {
          await reload();
        } catch (error) {
          this.later();
          throw error;
        }
        clearTimeout(this.retry);
        this.retry = undefined;
      },
      log,
    );
  }

  run(): void {
    void this.task.run();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private later(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.run();
    }, CHECK_INTERVAL_MS);
    this.retry.unref();
  }
}

/**
 * `ConfigChanges` of a master sharing its store: `changed` is a `config` signal in the current unit
 * of work; the `SharedFleet` that listens passes on what it hears (`heard`) and the losses of its
 * signal connection (`lost`: everything is read again).
 */
export class SharedConfigChanges implements ConfigChanges {
  private readonly reloads = new Map<ConfigTopic, Set<Reload>>();
  private closed = false;

  constructor(
    private readonly store: Pick<FleetStore, 'signal'>,
    private readonly log: Logger,
  ) {}

  changed(what: ConfigTopic): void {
    this.store.signal({ kind: 'config', what });
  }

  onChanged(what: ConfigTopic, reload: () => Promise<void>): () => void {
    const entry = new Reload(what, reload, this.log);
    const subscribed = this.reloads.get(what) ?? new Set<Reload>();
    this.reloads.set(what, subscribed);
    subscribed.add(entry);
    return () => {
      subscribed.delete(entry);
      entry.close();
    };
  }

  /** Another master changed `what`. */
  heard(what: ConfigTopic): void {
    if (this.closed) return;
    for (const entry of this.reloads.get(what) ?? []) entry.run();
  }

  /** Signals may have been missed: every subscriber reads its configuration again. */
  lost(): void {
    if (this.closed) return;
    for (const subscribed of this.reloads.values()) for (const entry of subscribed) entry.run();
  }

  /** Stops every reload (the master is leaving). */
  close(): void {
    this.closed = true;
    for (const subscribed of this.reloads.values()) for (const entry of subscribed) entry.close();
  }
}
