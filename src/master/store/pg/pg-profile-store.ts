import type { NamedProfile } from '../../../protocol/index.js';
import type { ProfileStore } from '../profile-store.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

const UPSERT = `
  INSERT INTO profiles (name, value, saved_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at`;

/** `ProfileStore` on PostgreSQL: one JSON document per profile, by name (byte order, as on SQLite). */
export class PgProfileStore implements ProfileStore {
  constructor(private readonly uow: PgUnitOfWork) {}

  async list(): Promise<NamedProfile[]> {
    const { rows } = await this.uow.read<{ value: string }>({ name: 'csc_profiles_list', text: 'SELECT value FROM profiles ORDER BY name' });
    return rows.map((row) => JSON.parse(row.value) as NamedProfile);
  }

  put(profile: NamedProfile, at: string): void {
    this.uow.write({ name: 'csc_profiles_upsert', text: UPSERT, values: [profile.name, JSON.stringify(profile), at] });
  }

  async delete(name: string): Promise<boolean> {
    const { rowCount } = await this.uow.run({ name: 'csc_profiles_delete', text: 'DELETE FROM profiles WHERE name = $1', values: [name] });
    return (rowCount ?? 0) > 0;
  }
}
