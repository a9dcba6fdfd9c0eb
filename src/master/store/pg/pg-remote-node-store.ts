import type { NewRemoteNode, RemoteNode, RemoteNodeChanges, RemoteNodeStatus, RemoteNodeStore } from '../remote-node-store.js';
import { StoreConstraintError } from '../store-errors.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

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

const INSERT = 'INSERT INTO remote_nodes (name, host, tags, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING RETURNING *';
/** One statement for every shape of change (a field given as NULL keeps its value); a name taken by another record changes nothing. */
const UPDATE = `
  UPDATE remote_nodes SET name = coalesce($1::text, name), host = coalesce($2::text, host), tags = coalesce($3::text, tags),
    status = coalesce($4::text, status), updated_at = $5
  WHERE id = $6::bigint AND NOT EXISTS (SELECT 1 FROM remote_nodes AS other WHERE lower(other.name) = lower($1::text) AND other.id <> $6::bigint)
  RETURNING *`;

function nameTaken(name: string): StoreConstraintError {
  return new StoreConstraintError(`a remote node named "${name}" exists already`);
}

/**
 * `RemoteNodeStore` on PostgreSQL. Names are unique regardless of ASCII case (the unique index on
 * `lower(name)`, as SQLite's NOCASE); a clash is found by the statement itself and refused with
 * `StoreConstraintError`, leaving the rest of the unit of work as it was.
 */
export class PgRemoteNodeStore implements RemoteNodeStore {
  constructor(private readonly uow: PgUnitOfWork) {}

  async list(): Promise<RemoteNode[]> {
    return (await this.uow.read<RemoteNodeRow>({ name: 'csc_remote_list', text: 'SELECT * FROM remote_nodes ORDER BY id' })).rows.map(toRecord);
  }

  async findByName(name: string): Promise<RemoteNode | undefined> {
    const { rows } = await this.uow.read<RemoteNodeRow>({ name: 'csc_remote_by_name', text: 'SELECT * FROM remote_nodes WHERE lower(name) = lower($1)', values: [name] });
    return rows[0] && toRecord(rows[0]);
  }

  async add(node: NewRemoteNode, at: string): Promise<RemoteNode> {
    const values = [node.name, node.host, JSON.stringify(node.tags), node.status, at];
    const { rows } = await this.uow.run<RemoteNodeRow>({ name: 'csc_remote_insert', text: INSERT, values });
    if (!rows[0]) throw nameTaken(node.name);
    return toRecord(rows[0]);
  }

  async update(id: number, changes: RemoteNodeChanges, at: string): Promise<RemoteNode | undefined> {
    const tags = changes.tags === undefined ? null : JSON.stringify(changes.tags);
    const values = [changes.name ?? null, changes.host ?? null, tags, changes.status ?? null, at, id];
    const { rows } = await this.uow.run<RemoteNodeRow>({ name: 'csc_remote_update', text: UPDATE, values });
    if (rows[0]) return toRecord(rows[0]);
    const exists = await this.uow.read({ name: 'csc_remote_exists', text: 'SELECT 1 FROM remote_nodes WHERE id = $1', values: [id] });
    if (exists.rows.length > 0) throw nameTaken(changes.name ?? '');
    return undefined;
  }

  async remove(id: number): Promise<boolean> {
    const { rowCount } = await this.uow.run({ name: 'csc_remote_delete', text: 'DELETE FROM remote_nodes WHERE id = $1', values: [id] });
    return (rowCount ?? 0) > 0;
  }
}
