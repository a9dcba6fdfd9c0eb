import type Database from 'better-sqlite3';
import type { Budgets } from '../../protocol/index.js';
import type { BridgeSettings, SavedBridgeSettings, SettingsStore } from './settings-store.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

/** The row of the `settings` table that holds the bridge settings. */
const BRIDGES = 'bridges';
/** The row that holds the token budgets. */
const BUDGETS = 'budgets';

/** `SettingsStore` on the master's SQLite database: one JSON document per setting name. */
export class SqliteSettingsStore implements SettingsStore {
  private readonly select: Database.Statement<[string], { value: string; saved_at: string }>;
  private readonly upsert: Database.Statement<[string, string, string]>;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.select = db.prepare('SELECT value, saved_at FROM settings WHERE name = ?');
    this.upsert = db.prepare(`
      INSERT INTO settings (name, value, saved_at) VALUES (?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at`);
  }

  bridges(): Promise<SavedBridgeSettings | undefined> {
    return ranNow(() => {
      const row = this.select.get(BRIDGES);
      return row && { settings: JSON.parse(row.value) as BridgeSettings, savedAt: row.saved_at };
    });
  }

  saveBridges({ settings, savedAt }: SavedBridgeSettings): void {
    this.tx.open();
    this.upsert.run(BRIDGES, JSON.stringify(settings), savedAt);
  }

  budgets(): Promise<Budgets | undefined> {
    return ranNow(() => {
      const row = this.select.get(BUDGETS);
      return row && (JSON.parse(row.value) as Budgets);
    });
  }

  saveBudgets(budgets: Budgets, at: string): void {
    this.tx.open();
    this.upsert.run(BUDGETS, JSON.stringify(budgets), at);
  }
}
