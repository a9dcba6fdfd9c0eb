import type { CredentialStore, MachineRole, StoredCredential } from '../credential-store.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

interface CredentialRow {
  name: string;
  role: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

/** A name or token taken already is skipped (the caller hears false), not refused: a refusal would abort the unit of work. */
const INSERT = 'INSERT INTO credentials (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING';

/**
 * `CredentialStore` on PostgreSQL. Names compare regardless of ASCII case, as SQLite's NOCASE
 * column compares them: through `lower(name)`, which the unique index `credentials_by_name` holds.
 */
export class PgCredentialStore implements CredentialStore {
  constructor(private readonly uow: PgUnitOfWork) {}

  async list(): Promise<StoredCredential[]> {
    const { rows } = await this.uow.read<CredentialRow>({ name: 'csc_credentials_list', text: 'SELECT * FROM credentials ORDER BY created_at, lower(name)' });
    return rows.map((row) => ({
      name: row.name,
      role: row.role as MachineRole,
      tokenHash: row.token_hash,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at ?? undefined,
    }));
  }

  async add(credential: Omit<StoredCredential, 'lastUsedAt'>): Promise<boolean> {
    const values = [credential.name, credential.role, credential.tokenHash, credential.createdAt];
    const { rowCount } = await this.uow.run({ name: 'csc_credentials_insert', text: INSERT, values });
    return (rowCount ?? 0) > 0;
  }

  async remove(name: string): Promise<boolean> {
    const { rowCount } = await this.uow.run({ name: 'csc_credentials_delete', text: 'DELETE FROM credentials WHERE lower(name) = lower($1)', values: [name] });
    return (rowCount ?? 0) > 0;
  }

  markUsed(name: string, at: string): void {
    this.uow.write({ name: 'csc_credentials_used', text: 'UPDATE credentials SET last_used_at = $1 WHERE lower(name) = lower($2)', values: [at, name] });
  }
}
