import type { Budgets } from '../../../protocol/index.js';
import type { BridgeSettings, SavedBridgeSettings, SettingsStore } from '../settings-store.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

/** The row of the `settings` table that holds the bridge settings. */
const BRIDGES = 'bridges';
/** The row that holds the token budgets. */
const BUDGETS = 'budgets';

const SELECT = 'SELECT value, saved_at FROM settings WHERE name = $1';
const UPSERT = `
  INSERT INTO settings (name, value, saved_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at`;

/** `SettingsStore` on PostgreSQL: one JSON document per setting name, as on SQLite. */
export class PgSettingsStore implements SettingsStore {
  constructor(private readonly uow: PgUnitOfWork) {}

  async bridges(): Promise<SavedBridgeSettings | undefined> {
    const row = await this.select(BRIDGES);
    return row && { settings: JSON.parse(row.value) as BridgeSettings, savedAt: row.saved_at };
  }

  saveBridges({ settings, savedAt }: SavedBridgeSettings): void {
    this.uow.write({ name: 'csc_settings_upsert', text: UPSERT, values: [BRIDGES, JSON.stringify(settings), savedAt] });
  }

  async budgets(): Promise<Budgets | undefined> {
    const row = await this.select(BUDGETS);
    return row && (JSON.parse(row.value) as Budgets);
  }

  saveBudgets(budgets: Budgets, at: string): void {
    this.uow.write({ name: 'csc_settings_upsert', text: UPSERT, values: [BUDGETS, JSON.stringify(budgets), at] });
  }

  private async select(name: string): Promise<{ value: string; saved_at: string } | undefined> {
    return (await this.uow.read<{ value: string; saved_at: string }>({ name: 'csc_settings_get', text: SELECT, values: [name] })).rows[0];
  }
}
