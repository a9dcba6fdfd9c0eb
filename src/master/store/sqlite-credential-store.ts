import type Database from 'better-sqlite3';
import type { CredentialStore, MachineRole, StoredCredential } from './credential-store.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

interface CredentialRow {
  name: string;
  role: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

/** `CredentialStore` on the master's SQLite database. */
export class SqliteCredentialStore implements CredentialStore {
  private readonly selectAll: Database.Statement<[], CredentialRow>;
  private readonly insert: Database.Statement<[string, string, string, string]>;
  private readonly deleteRow: Database.Statement<[string]>;
  private readonly touch: Database.Statement<[string, string]>;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.selectAll = db.prepare('SELECT * FROM credentials ORDER BY created_at, name');
    this.insert = db.prepare('INSERT INTO credentials (name, role, token_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.deleteRow = db.prepare('DELETE FROM credentials WHERE name = ?');
    this.touch = db.prepare('UPDATE credentials SET last_used_at = ? WHERE name = ?');
  }

  list(): Promise<StoredCredential[]> {
    return ranNow(() =>
      this.selectAll.all().map((row) => ({
        name: row.name,
        role: row.role as MachineRole,
        tokenHash: row.token_hash,
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at ?? undefined,
      })),
    );
  }

  add(credential: Omit<StoredCredential, 'lastUsedAt'>): Promise<boolean> {
    return ranNow(() => {
      this.tx.open();
      return this.insert.run(credential.name, credential.role, credential.tokenHash, credential.createdAt).changes > 0;
    });
  }

  remove(name: string): Promise<boolean> {
    return ranNow(() => {
      this.tx.open();
      return this.deleteRow.run(name).changes > 0;
    });
  }

  markUsed(name: string, at: string): void {
    this.tx.open();
    this.touch.run(at, name);
  }
}
