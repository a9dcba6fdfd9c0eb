import type { AttachmentStore } from './attachment-store.js';
import type { CredentialStore } from './credential-store.js';
import type { JobMaintenance } from './job-maintenance.js';
import type { JobStore } from './job-store.js';
import type { ProfileStore } from './profile-store.js';
import type { RemoteNodeStore } from './remote-node-store.js';
import type { SettingsStore } from './settings-store.js';
import type { UsageStore } from './usage-store.js';
import type { Commit } from './unit-of-work.js';
import type { FleetStore } from './fleet-store.js';

/** A node as it was last seen by the master, kept across restarts. */
export interface KnownNode {
  name: string;
  nodeId: string | undefined;
  tags: string[];
  version: string | undefined;
  lastAddress: string | undefined;
  firstSeen: string;
  lastSeen: string;
}

/** One observation of a node: on connect, on heartbeat, on disconnect. */
export interface NodeSighting {
  name: string;
  nodeId: string | undefined;
  tags: string[];
  version: string | undefined;
  address: string;
  at: string;
}

/** Which engine and database a store is: the master's start-up line says it. */
export interface StoreIdentity {
  /** The engine as people name it: `SQLite`. */
  engine: string;
  /** Where the database is: its file (for an engine with a server, its URL without the password). */
  location: string;
  /** The schema version it is at once opened, its pending migrations applied. */
  schemaVersion: number;
  /** The version it had before the opening applied `applied`. */
  migratedFrom: number;
  /** The migrations the opening applied (`0010_retention.sql`), oldest first; empty when it was current. */
  applied: string[];
}

/** `SQLite /data/master.db (schema 10)`: the store in one line, as the master's start prints it. */
export function describeStore(identity: StoreIdentity): string {
  return `${identity.engine} ${identity.location} (schema ${identity.schemaVersion})`;
}

/**
 * The master's persistent state, named in domain terms, on any engine (SQLite embedded, or
 * PostgreSQL). Every write joins the current unit of work: all writes of one event-loop turn,
 * committed together once the turn's I/O callbacks have run, or earlier through `commit()`.
 * Reads are asynchronous. The rule that nothing announces a write before it is durable is kept in
 * one place per way out: the hub's `Outbox` commits before a turn's frames leave, the HTTP app
 * before a reply, the log follower before an event. Node sightings are batched: they are durable
 * once `flush()` or `close()` resolves, and otherwise within a short window (~50 ms).
 */
export interface Store {
  /** Which engine and database this is, and what its opening migrated. */
  readonly identity: StoreIdentity;
  readonly jobs: JobStore;
  /** Settings people change at run time (bridge settings). */
  readonly settings: SettingsStore;
  /** The dashboard's remote node records. */
  readonly remoteNodes: RemoteNodeStore;
  /** Per-machine credentials (`csc token`). */
  readonly credentials: CredentialStore;
  /** Named profiles made through the API. */
  readonly profiles: ProfileStore;
  /** Every ended job's own token usage. */
  readonly usage: UsageStore;
  /** Retention and delta folding of finished jobs, in small steps (the maintenance sweeper's). */
  readonly maintenance: JobMaintenance;
  /**
   * The files attached to jobs (SQLite: `<dataDir>/attachments/`; PostgreSQL: the database, so
   * every master sharing it has them). Outside the unit of work: a save is durable once it
   * resolves, without `commit()`.
   */
  readonly attachments: AttachmentStore;
  /** What several masters on this database share (leases, owners, nodes, requests, signals); absent: this engine serves one master. */
  readonly fleet?: FleetStore | undefined;
  recordNodeSeen(sighting: NodeSighting): void;
  listKnownNodes(): Promise<KnownNode[]>;
  /** Writes the batched node sightings now. */
  flush(): Promise<void>;
  /** Ends the current unit of work now: every job, settings, remote node and credential write so far (see `Commit`). */
  commit(): Commit;
  /** Resolves once every write so far is durable. */
  whenCommitted(): Promise<void>;
  /** Calls `listener` at once when a commit fails: the writes since the last commit are gone. */
  onCommitFailed(listener: (error: Error) => void): () => void;
  /** Tells `observer` how long each successful commit took, in seconds (one observer; none: no timing). */
  observeCommits(observer: (seconds: number) => void): void;
  /** Commits what is pending, writes the sightings and closes the database. */
  close(): Promise<void>;
}
