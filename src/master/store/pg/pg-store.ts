import type pg from 'pg';
import { redactDatabaseUrl } from '../../../config/index.js';
import type { Logger } from '../../../log/index.js';
import { NewerSchemaError } from '../migrate.js';
import { StoreOpenError } from '../store-errors.js';
import type { KnownNode, NodeSighting, Store, StoreIdentity } from '../store.js';
import { settled, type Commit } from '../unit-of-work.js';
import { PgAttachmentStore } from './pg-attachment-store.js';
import { pgClient } from './pg-client.js';
import { PgCredentialStore } from './pg-credential-store.js';
import { PgFleetStore } from './pg-fleet-store.js';
import { PgJobMaintenance } from './pg-job-maintenance.js';
import { PgJobStore } from './pg-job-store.js';
import { pgMigrate } from './pg-migrate.js';
import { PgProfileStore } from './pg-profile-store.js';
import { PgRemoteNodeStore } from './pg-remote-node-store.js';
import { PgSettingsStore } from './pg-settings-store.js';
import { PgUnitOfWork } from './pg-unit-of-work.js';
import { PgUsageStore } from './pg-usage-store.js';

interface NodeRow {
  name: string;
  node_id: string | null;
  tags: string;
  version: string | null;
  last_address: string | null;
  first_seen: string;
  last_seen: string;
}

/** How long sightings wait to share a statement and a commit: nodes arrive in storms (see SQLite's store). */
const FLUSH_WINDOW_MS = 50;

/** A writer that cannot connect within this fails its statements (and so its commit) rather than holding them. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A batch of sightings in one statement, whatever its size (the batch has each name once). */
const UPSERT_NODES = `
  INSERT INTO nodes (name, node_id, tags, version, last_address, first_seen, last_seen)
  SELECT s.name, s.node_id, s.tags, s.version, s.address, s.at, s.at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS s (name, node_id, tags, version, address, at)
  ON CONFLICT (name) DO UPDATE SET node_id = excluded.node_id, tags = excluded.tags,
    version = excluded.version, last_address = excluded.last_address, last_seen = excluded.last_seen`;

/** Migrates the database (on a connection of its own: the writer never holds the migration lock), then connects the writer. */
async function connect(url: string, log: Logger): Promise<{ uow: PgUnitOfWork; identity: StoreIdentity }> {
  const migration = await pgMigrate(url);
  const uow = await PgUnitOfWork.open(() => pgClient(url, { applicationName: 'csc master', pipeline: true, connectTimeoutMs: CONNECT_TIMEOUT_MS }), log);
  const identity = { engine: 'PostgreSQL', location: redactDatabaseUrl(url), schemaVersion: migration.version, migratedFrom: migration.from, applied: migration.applied };
  return { uow, identity };
}

/**
 * The store on a PostgreSQL server: one writer connection for every write and read (`PgUnitOfWork`),
 * node sightings written in batches. The schema is `migrations/postgres`, applied when it opens.
 */
export class PgStore implements Store {
  readonly jobs: PgJobStore;
  readonly settings: PgSettingsStore;
  readonly remoteNodes: PgRemoteNodeStore;
  readonly credentials: PgCredentialStore;
  readonly profiles: PgProfileStore;
  readonly usage: PgUsageStore;
  readonly maintenance: PgJobMaintenance;
  readonly fleet: PgFleetStore;
  readonly attachments: PgAttachmentStore;
  private pending = new Map<string, NodeSighting>();
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly identity: StoreIdentity,
    private readonly uow: PgUnitOfWork,
    private readonly log: Logger,
    /** Makes a connection of the fleet's signal listener (not connected yet). */
    connectListener: () => pg.Client,
    url: string,
  ) {
    this.jobs = new PgJobStore(uow);
    this.settings = new PgSettingsStore(uow);
    this.remoteNodes = new PgRemoteNodeStore(uow);
    this.credentials = new PgCredentialStore(uow);
    this.profiles = new PgProfileStore(uow);
    this.usage = new PgUsageStore(uow);
    this.maintenance = new PgJobMaintenance(uow);
    this.fleet = new PgFleetStore(uow, connectListener, log);
    this.attachments = new PgAttachmentStore(url, log);
  }

  /**
   * Connects to the database at `url` (`postgres://…`), applies its pending migrations and returns
   * the store. A newer schema's `NewerSchemaError` passes as it is; any other failure is a
   * `StoreOpenError` naming the database without its password.
   */
  static async open(url: string, log: Logger): Promise<PgStore> {
    try {
      const { uow, identity } = await connect(url, log);
      return new PgStore(identity, uow, log, () => pgClient(url, { applicationName: 'csc master signals', connectTimeoutMs: CONNECT_TIMEOUT_MS }), url);
    } catch (error) {
      if (error instanceof NewerSchemaError) throw error;
      throw new StoreOpenError(`cannot open the store at ${redactDatabaseUrl(url)}: ${(error as Error).message}`, { cause: error });
    }
  }

  recordNodeSeen(sighting: NodeSighting): void {
    this.pending.set(sighting.name, sighting);
    this.flushTimer ??= setTimeout(() => {
      this.flush().catch((error: unknown) => this.log.warn({ err: error }, 'could not store node sightings'));
    }, FLUSH_WINDOW_MS);
  }

  async listKnownNodes(): Promise<KnownNode[]> {
    await this.flush();
    const { rows } = await this.uow.read<NodeRow>({ name: 'csc_nodes_list', text: 'SELECT * FROM nodes ORDER BY name' });
    return rows.map((row) => ({
      name: row.name,
      nodeId: row.node_id ?? undefined,
      tags: JSON.parse(row.tags) as string[],
      version: row.version ?? undefined,
      lastAddress: row.last_address ?? undefined,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
    }));
  }

  /** Writes the batched sightings with the turn's other writes, and commits them: resolves once they are durable. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size > 0) {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      const values = [
        batch.map((s) => s.name),
        batch.map((s) => s.nodeId ?? null),
        batch.map((s) => JSON.stringify(s.tags)),
        batch.map((s) => s.version ?? null),
        batch.map((s) => s.address),
        batch.map((s) => s.at),
      ];
      this.uow.write({ name: 'csc_nodes_upsert', text: UPSERT_NODES, values });
      await settled(this.uow.commit());
    }
    // Sightings of an earlier flush may still be committing.
    await this.uow.whenCommitted();
  }

  commit(): Commit {
    return this.uow.commit();
  }

  whenCommitted(): Promise<void> {
    return this.uow.whenCommitted();
  }

  onCommitFailed(listener: (error: Error) => void): () => void {
    return this.uow.onFailure(listener);
  }

  observeCommits(observer: (seconds: number) => void): void {
    this.uow.observeCommits(observer);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      this.log.warn({ err: error }, 'could not store node sightings before closing');
    }
    await this.fleet.close();
    await this.attachments.close();
    await this.uow.close();
  }
}
