import { afterEach } from 'vitest';
import { attachmentCases } from './store-suite/attachments.js';
import { commitCases } from './store-suite/commits.js';
import { eventCases } from './store-suite/events.js';
import type { SuiteContext } from './store-suite/fixtures.js';
import { jobCases } from './store-suite/jobs.js';
import { logCases } from './store-suite/logs.js';
import { maintenanceCases } from './store-suite/maintenance.js';
import { recordCases } from './store-suite/records.js';
import { usageCases } from './store-suite/usage.js';
import type { Store } from './store.js';

export type { SuiteContext } from './store-suite/fixtures.js';

/** What an engine can do beyond opening a fresh store. */
export interface StoreSuiteOptions {
  /**
   * A second store on `store`'s database, as a restarted master (or a second one) would open it.
   * It may be called after `store` was closed. Without it the cases that need a second view of the
   * database (what a commit makes visible, what `close()` keeps) are skipped.
   */
  reopen?: (store: Store) => Promise<Store>;
}

/**
 * The store's behaviour as its interfaces promise it, for any engine: an engine's test file calls
 * this inside (or instead of) its own `describe`. `open()` must give a fresh, empty, migrated store
 * each time (PostgreSQL: a new database); the suite closes every store it opens, after each case.
 */
export function storeSuite(engine: string, open: () => Promise<Store>, options: StoreSuiteOptions = {}): void {
  const live = new Set<Store>();
  const track = (store: Store): Store => (live.add(store), store);
  const reopen = options.reopen;
  const context: SuiteContext = {
    engine,
    open: async () => track(await open()),
    reopen: reopen && (async (store) => track(await reopen(store))),
    close: async (store) => {
      live.delete(store);
      await store.close();
    },
  };
  afterEach(async () => {
    // Newest first: a second store on a database is closed before the one it was opened beside.
    const stores = [...live].reverse();
    live.clear();
    for (const store of stores) await store.close();
  });
  jobCases(context);
  eventCases(context);
  logCases(context);
  maintenanceCases(context);
  recordCases(context);
  usageCases(context);
  commitCases(context);
  attachmentCases(context);
}
