import type Database from 'better-sqlite3';
import type { NamedProfile } from '../../protocol/index.js';
import type { ProfileStore } from './profile-store.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

/** `ProfileStore` on the master's SQLite database: one JSON document per profile. */
export class SqliteProfileStore implements ProfileStore {
  private readonly selectAll: Database.Statement<[], { value: string }>;
  private readonly upsert: Database.Statement<[string, string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.selectAll = db.prepare('SELECT value FROM profiles ORDER BY name');
    this.upsert = db.prepare(`
      INSERT INTO profiles (name, value, saved_at) VALUES (?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at`);
    this.remove = db.prepare('DELETE FROM profiles WHERE name = ?');
  }

  list(): Promise<NamedProfile[]> {
    return ranNow(() => this.selectAll.all().map((row) => JSON.parse(row.value) as NamedProfile));
  }

  put(profile: NamedProfile, at: string): void {
    this.tx.open();
    this.upsert.run(profile.name, JSON.stringify(profile), at);
  }

  delete(name: string): Promise<boolean> {
    return ranNow(() => {
      this.tx.open();
      return this.remove.run(name).changes > 0;
    });
  }
}
