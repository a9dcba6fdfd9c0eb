import type { NodeInfo } from '../../protocol/index.js';
import type { Store } from '../store/index.js';

/** What `/api/health` says of the master: `degraded` lists why, in plain words. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  degraded: string[];
}

/** How long a failed commit keeps the master degraded: long enough for a monitor polling every few minutes to see it. */
export const STORE_ERROR_WINDOW_MS = 10 * 60 * 1000;

/**
 * The master's own judgement of its health: degraded when no node is online (no job can run) or
 * when a store commit failed within `STORE_ERROR_WINDOW_MS` (a full disk, an I/O error: the writes
 * of that turn were lost). The HTTP status of the health check stays 200 whatever it says: a
 * load balancer must not take a master out for having no node.
 */
export class Health {
  private lastFailure: { at: Date; message: string } | undefined;

  constructor(
    private readonly nodes: () => readonly NodeInfo[],
    store: Pick<Store, 'onCommitFailed'>,
    private readonly now: () => number = Date.now,
  ) {
    store.onCommitFailed((error) => {
      // The engine's own words (SQLite's "database or disk is full"), without our "could not commit" around them.
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      this.lastFailure = { at: new Date(this.now()), message: cause };
    });
  }

  report(): HealthReport {
    const degraded: string[] = [];
    if (!this.nodes().some((node) => node.status === 'online')) degraded.push('no node online');
    const failure = this.lastFailure;
    if (failure !== undefined && this.now() - failure.at.getTime() < STORE_ERROR_WINDOW_MS) {
      degraded.push(`store commit failed ${failure.at.toISOString()}: ${failure.message}`);
    }
    return { status: degraded.length === 0 ? 'ok' : 'degraded', degraded };
  }
}
