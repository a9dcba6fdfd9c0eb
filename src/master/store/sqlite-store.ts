import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { restrictToOwner } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { AttachmentDir } from './attachment-store.js';
import { Checkpointer, type CheckpointReport } from './checkpointer.js';
import { migrate, migrationFile, NewerSchemaError, readMigrations, schemaStatus, type Migration } from './migrate.js';
import { SqliteCredentialStore } from './sqlite-credential-store.js';
import { SqliteJobMaintenance } from './sqlite-job-maintenance.js';
import { SqliteJobStore } from './sqlite-job-store.js';
import { SqliteProfileStore } from './sqlite-profile-store.js';
import { ranNow } from './sqlite-read.js';
import { SqliteRemoteNodeStore } from './sqlite-remote-node-store.js';
import { SqliteSettingsStore } from './sqlite-settings-store.js';
import { SqliteUsageStore } from './sqlite-usage-store.js';
import { StoreOpenError } from './store-errors.js';
import { TickTransaction } from './tick-transaction.js';
import type { KnownNode, NodeSighting, Store, StoreIdentity } from './store.js';

interface NodeRow {
  name: string;
  node_id: string | null;
  tags: string;
  version: string | null;
  last_address: string | null;
  first_seen: string;
  last_seen: string;
}

/**
 * How SQLite syncs commits (`PRAGMA synchronous`). `full`: every commit is on disk (fsync of the WAL)
 * before it returns, so whatever the master acknowledged survives a power loss. `normal`: the WAL
 * is synced only at checkpoints; faster, but the last commits can vanish on power loss (never on a
 * crash of the process) after nodes and clients were told they were stored.
 */
export type SqliteSync = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** Default `full`: an acknowledgement is a promise. */
  synchronous?: SqliteSync | undefined;
}

/**
 * How long sightings wait to share a transaction. Nodes arrive in storms (a master restart brings
 * them all back within a second), each in its own event-loop turn, and a commit per row costs ~20 µs
 * plus WAL writes; a short window turns thousands of commits into a handful.
 */
const FLUSH_WINDOW_MS = 50;
const CHECKPOINT_INTERVAL_MS = 500;
/** How long a statement waits for another connection's lock (the checkpoint thread, a backup). */
const BUSY_TIMEOUT_MS = 5000;
/** About 64 MiB of 4 KiB pages: past this the writer stops for one RESTART checkpoint. */
const MAX_WAL_FRAMES = 16_384;
/**
 * The most disk a WAL keeps once it has been copied back (`PRAGMA journal_size_limit`): a write
 * that starts the WAL over truncates it to this, and the checkpoint thread truncates a longer one
 * that is all copied back. Without it the file stays at its peak size forever (553 MB was seen).
 */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** A WAL of about this many 4 KiB frames is at the limit. */
const WAL_LIMIT_FRAMES = Math.floor(WAL_SIZE_LIMIT_BYTES / 4096);

/** The store's file inside a data dir. */
export const SQLITE_FILE = 'master.db';
/** The folder of the files attached to jobs, inside a data dir. */
const ATTACHMENTS_DIR = 'attachments';

/**
 * Opens (creating it if need be) the store's database file as every writer of it must: readable by
 * its owner only, since it holds bridge tokens (SQLite gives the WAL and shared-memory files the
 * database file's mode, so creating that one 0600 covers them too), in WAL mode, synced as asked.
 * A schema newer than this csc's is refused (`NewerSchemaError`) before the journal mode, kept in
 * the file's header, is changed.
 */
export function openSqliteFile(path: string, synchronous: SqliteSync = 'full', migrations: Migration[] = readMigrations()): Database.Database {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) restrictToOwner(file, 0o600);
  const db = new Database(path);
  try {
    schemaStatus(db, migrations);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Opens the store's file for the master and applies its pending migrations. A newer schema's
 * `NewerSchemaError` passes unwrapped: its message is already the whole story.
 */
function openStore(path: string, synchronous: SqliteSync | undefined): { db: Database.Database; identity: StoreIdentity } {
  let db: Database.Database | undefined;
  try {
    const migrations = readMigrations();
    db = openSqliteFile(path, synchronous, migrations);
    // The checkpointer's thread does it, so that no commit waits for an fsync.
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    const migratedFrom = schemaStatus(db, migrations).version;
    const applied: string[] = [];
    migrate(db, migrations, (migration) => applied.push(migrationFile(migration)));
    return { db, identity: { engine: 'SQLite', location: path, schemaVersion: migrations.length, migratedFrom, applied } };
  } catch (error) {
    db?.close();
    if (error instanceof NewerSchemaError) throw error;
    throw new StoreOpenError(`cannot open the store at ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The embedded store: one SQLite file in WAL mode, with node sightings written in batches. Every
 * statement runs synchronously when it is called; the promises of the `Store` interfaces are
 * already settled when returned (`ranNow`), and `commit()` returns `undefined` once it committed.
 */
export class SqliteStore implements Store {
  readonly path: string;
  readonly identity: StoreIdentity;
  readonly jobs: SqliteJobStore;
  readonly settings: SqliteSettingsStore;
  readonly remoteNodes: SqliteRemoteNodeStore;
  readonly credentials: SqliteCredentialStore;
  readonly profiles: SqliteProfileStore;
  readonly usage: SqliteUsageStore;
  readonly maintenance: SqliteJobMaintenance;
  readonly attachments: AttachmentDir;
  private readonly db: Database.Database;
  private readonly tx: TickTransaction;
  private readonly checkpointer: Checkpointer;
  private readonly upsertNode: Database.Statement<[string, string | null, string, string | null, string, string, string]>;
  private readonly selectNodes: Database.Statement<[], NodeRow>;
  private pending = new Map<string, NodeSighting>();
  private flushScheduled = false;

  constructor(dataDir: string, log?: Logger, options: SqliteStoreOptions = {}) {
    this.path = join(dataDir, SQLITE_FILE);
    ({ db: this.db, identity: this.identity } = openStore(this.path, options.synchronous));
    this.upsertNode = this.db.prepare(`
      INSERT INTO nodes (name, node_id, tags, version, last_address, first_seen, last_seen)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET node_id = excluded.node_id, tags = excluded.tags,
        version = excluded.version, last_address = excluded.last_address, last_seen = excluded.last_seen`);
    this.selectNodes = this.db.prepare('SELECT * FROM nodes ORDER BY name');
    this.tx = new TickTransaction(this.db, log);
    this.jobs = new SqliteJobStore(this.db, this.tx);
    this.settings = new SqliteSettingsStore(this.db, this.tx);
    this.remoteNodes = new SqliteRemoteNodeStore(this.db, this.tx);
    this.credentials = new SqliteCredentialStore(this.db, this.tx);
    this.profiles = new SqliteProfileStore(this.db, this.tx);
    this.usage = new SqliteUsageStore(this.db, this.tx);
    this.maintenance = new SqliteJobMaintenance(this.db, this.tx);
    this.attachments = new AttachmentDir(join(dataDir, ATTACHMENTS_DIR));
    this.checkpointer = new Checkpointer({ path: this.path, intervalMs: CHECKPOINT_INTERVAL_MS, maxFrames: MAX_WAL_FRAMES, truncateFrames: WAL_LIMIT_FRAMES, onReport: (report) => this.onCheckpoint(report, log) });
  }

  /** `PRAGMA synchronous` as the store's connection has it: 1 NORMAL, 2 FULL (for tests and diagnostics). */
  synchronousLevel(): number {
    return this.db.pragma('synchronous', { simple: true }) as number;
  }

  recordNodeSeen(sighting: NodeSighting): void {
    this.pending.set(sighting.name, sighting);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => this.writeSightings(), FLUSH_WINDOW_MS);
  }

  listKnownNodes(): Promise<KnownNode[]> {
    return ranNow(() => {
      this.writeSightings();
      return this.selectNodes.all().map((row) => ({
        name: row.name,
        nodeId: row.node_id ?? undefined,
        tags: JSON.parse(row.tags) as string[],
        version: row.version ?? undefined,
        lastAddress: row.last_address ?? undefined,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      }));
    });
  }

  flush(): Promise<void> {
    return ranNow(() => this.writeSightings());
  }

  /** Commits on the spot: `undefined` (the `Commit` of a unit of work already durable), or a thrown `StoreCommitError`. */
  commit(): undefined {
    this.tx.commit();
    return undefined;
  }

  whenCommitted(): Promise<void> {
    return this.tx.whenCommitted();
  }

  onCommitFailed(listener: (error: Error) => void): () => void {
    return this.tx.onFailure(listener);
  }

  observeCommits(observer: (seconds: number) => void): void {
    this.tx.observeCommits(observer);
  }

  close(): Promise<void> {
    return ranNow(() => this.closeNow());
  }

  /** Writes the pending sightings in one transaction (a savepoint of the turn's, when one is open). */
  private writeSightings(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0 || !this.db.open) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.db.transaction(() => {
      for (const s of batch) {
        this.upsertNode.run(s.name, s.nodeId ?? null, JSON.stringify(s.tags), s.version ?? null, s.address, s.at, s.at);
      }
    })();
  }

  private closeNow(): void {
    if (!this.db.open) return;
    this.checkpointer.stop();
    this.writeSightings();
    this.tx.commit();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  private onCheckpoint(report: CheckpointReport, log: Logger | undefined): void {
    if (!this.db.open) return;
    if (report.kind === 'failed') {
      log?.warn({ err: report.message }, 'the checkpoint thread failed; commits checkpoint the WAL themselves again');
      this.db.pragma('wal_autocheckpoint = 1000');
      return;
    }
    if (report.kind === 'truncated') {
      log?.info({ walFrames: report.frames }, 'the WAL was all copied back: truncated it');
      return;
    }
    try {
      // A checkpoint cannot run inside the turn's transaction; committing early is always safe.
      this.tx.commit();
      // Without waiting: a reader holding an old snapshot (a `csc backup`) would otherwise stall the
      // event loop for the whole busy timeout (measured: 5 s); the next report tries again.
      this.db.pragma('busy_timeout = 0');
      const [row] = this.db.pragma('wal_checkpoint(RESTART)') as Array<{ busy: number }>;
      if (row?.busy === 0) log?.info({ walFrames: report.frames }, 'the WAL outgrew passive checkpoints: restarted it');
      else log?.debug({ walFrames: report.frames }, 'a reader holds the WAL; restarting it waits for the next report');
    } catch (error) {
      log?.warn({ err: error }, 'could not restart the WAL; the checkpoint thread goes on');
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }
}
