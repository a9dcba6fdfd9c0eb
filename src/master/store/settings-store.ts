import type { BridgeSettingsPayload, Budgets } from '../../protocol/index.js';

/**
 * What the chat bridges run with, as people set it in the dashboard, and a note from whoever saved
 * (shown with the save time). Tokens are secrets: the API only ever says whether one is set, and
 * nothing logs them.
 */
export type BridgeSettings = BridgeSettingsPayload & { memo: string };

/** Bridge settings as last saved. */
export interface SavedBridgeSettings {
  settings: BridgeSettings;
  savedAt: string;
}

/**
 * Settings changed at run time, kept in the store. Writes join the current unit of work: settle
 * it (the store's `commit()`) before telling anyone about them.
 */
export interface SettingsStore {
  /** The bridge settings last saved, or undefined before the first save. */
  bridges(): Promise<SavedBridgeSettings | undefined>;
  saveBridges(saved: SavedBridgeSettings): void;
  /** The token budgets last saved (`PUT /api/budgets`), or undefined before the first save. */
  budgets(): Promise<Budgets | undefined>;
  saveBudgets(budgets: Budgets, at: string): void;
}
