import type { ConfigTopic } from '../store/fleet-store.js';

export type { ConfigTopic } from '../store/fleet-store.js';

/**
 * How a service that keeps configuration in memory (credentials, bridge settings, budgets) hears
 * that another master sharing its store changed it, and tells them of its own changes. Alone
 * (`SOLO_CONFIG`) both do nothing: this master is the only writer.
 */
export interface ConfigChanges {
  /**
   * Tells the other masters that `what` changed, in the current unit of work: the signal is
   * delivered when that unit of work commits, never if it rolls back. Call it in the same
   * synchronous stretch as the store write it announces (before awaiting anything), so that both
   * are in one unit of work.
   */
  changed(what: ConfigTopic): void;
  /**
   * Runs `reload` (re-read `what` from the store, and apply it) when another master changed it,
   * and after the signal connection was lost (signals may have been missed). One run at a time per
   * subscription (a change during a run makes one more after it); a run that rejects is logged and
   * tried again a second later, until one succeeds. The function returned unsubscribes.
   */
  onChanged(what: ConfigTopic, reload: () => Promise<void>): () => void;
}

/** One master alone: nothing to tell, nothing to hear. */
export const SOLO_CONFIG: ConfigChanges = Object.freeze({
  changed: () => undefined,
  onChanged: () => () => undefined,
});
