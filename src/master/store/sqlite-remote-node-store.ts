import type Database from 'better-sqlite3';
import type { NewRemoteNode, RemoteNode, RemoteNodeChanges, RemoteNodeStatus, RemoteNodeStore } from './remote-node-store.js';
import { ranNow } from './sqlite-read.js';
import type { TickTransaction } from './tick-transaction.js';

interface RemoteNodeRow {
  id: number;
  name: string;
  host: string;
  tags: string;
  status: string;
  created_at: string;
  updated_at: string;
}

function toRecord(row: RemoteNodeRow): RemoteNode {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    tags: JSON.parse(row.tags) as string[],
    status: row.status as RemoteNodeStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type UpdateParams = [string | null, string | null, string | null, string | null, string, number];

/** `RemoteNodeStore` on the master's SQLite database. */
export class SqliteRemoteNodeStore implements RemoteNodeStore {
  private readonly selectAll: Database.Statement<[], RemoteNodeRow>;
  private readonly selectByName: Database.Statement<[string], RemoteNodeRow>;
  private readonly insert: Database.Statement<[string, string, string, string, string, string], RemoteNodeRow>;
  private readonly updateRow: Database.Statement<UpdateParams, RemoteNodeRow>;
  private readonly deleteRow: Database.Statement<[number]>;

  constructor(
    db: Database.Database,
    private readonly tx: TickTransaction,
  ) {
    this.selectAll = db.prepare('SELECT * FROM remote_nodes ORDER BY id');
    this.selectByName = db.prepare('SELECT * FROM remote_nodes WHERE name = ?');
    this.insert = db.prepare(`
      INSERT INTO remote_nodes (name, host, tags, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`);
    // One statement for every shape of change: a field given as NULL keeps its value.
    this.updateRow = db.prepare(`
      UPDATE remote_nodes SET name = coalesce(?, name), host = coalesce(?, host), tags = coalesce(?, tags),
        status = coalesce(?, status), updated_at = ? WHERE id = ? RETURNING *`);
    this.deleteRow = db.prepare('DELETE FROM remote_nodes WHERE id = ?');
  }

  list(): Promise<RemoteNode[]> {
    return ranNow(() => this.selectAll.all().map(toRecord));
  }

  findByName(name: string): Promise<RemoteNode | undefined> {
    return ranNow(() => {
      const row = this.selectByName.get(name);
      return row && toRecord(row);
    });
  }

  add(node: NewRemoteNode, at: string): Promise<RemoteNode> {
    return ranNow(() => {
      this.tx.open();
      const row = this.insert.get(node.name, node.host, JSON.stringify(node.tags), node.status, at, at);
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      return toRecord(row);
    });
  }

  update(id: number, changes: RemoteNodeChanges, at: string): Promise<RemoteNode | undefined> {
    return ranNow(() => {
      this.tx.open();
      const tags = changes.tags === undefined ? null : JSON.stringify(changes.tags);
      const row = this.updateRow.get(changes.name ?? null, changes.host ?? null, tags, changes.status ?? null, at, id);
      return row && toRecord(row);
    });
  }

  remove(id: number): Promise<boolean> {
    return ranNow(() => {
      this.tx.open();
      return this.deleteRow.run(id).changes > 0;
    });
  }
}
