import type { JobStatus } from '../../protocol/index.js';
import type { FleetAsk, FleetReply, JobClaim, JobRecord, LiveNode } from '../store/index.js';
import type { ConfigChanges } from './config-changes.js';

/**
 * This master's place among the masters sharing its database, as the job layer, the hub and the
 * API see it. `SoloFleet` is one master alone (SQLite, or a database it does not share): every
 * claim wins at once and nothing is remote. `SharedFleet` (PostgreSQL) keeps a lease, claims
 * jobs atomically in the database, wakes the others with signals, and carries requests to the
 * owner of a job.
 */
export interface Fleet {
  /** This master's id (a fresh one per start). */
  readonly masterId: string;
  /** Whether other masters may share the work (false: `SoloFleet`). */
  readonly shared: boolean;
  /** The configuration kept in memory (credentials, settings, budgets): told to and heard from the other masters. */
  readonly config: ConfigChanges;
  /** Starts the lease and the listening; resolves once this master is registered. */
  start(): Promise<void>;
  /** Ends the lease (other masters take its jobs over at once) and stops listening. */
  close(): Promise<void>;

  /**
   * Claims a queued job for a node of this master before it is assigned: `true` at once alone,
   * otherwise the database's atomic answer (false: another master took it, or it left the queue).
   * A won claim has written the assignment (status, node, attempt, assignedAt, owner).
   */
  claim(claim: JobClaim): true | Promise<boolean>;
  /**
   * Tells the other masters that this job changed (with the current unit of work), and its status
   * after the change: one not queued (or not known to be) matters to them only if they show it.
   */
  changed(jobId: number, status?: JobStatus): void;
  /**
   * Jobs other masters changed (ids, each once per signal); also called with every unfinished id
   * after a lost signal connection. `queued`: those of them that may be queued now (the others
   * are out on a node or finished); undefined, any of them may be.
   */
  onRemoteJobs(listener: (jobIds: readonly number[], queued: ReadonlySet<number> | undefined) => void): () => void;

  /** Takes over a job out on `node`, which claims it here after moving from another master. */
  adopt(jobId: number, node: string): Promise<JobRecord | undefined>;
  /** Jobs of masters whose lease ran out, now this master's: they get their grace timers here. */
  onOrphans(listener: (jobs: readonly JobRecord[]) => void): () => void;

  /**
   * Asks the owner of a job to do `ask`; resolves with its reply, or rejects (`unavailable`) when
   * none answers in time: the ask timeout, and `workMs` more for work that waits itself (a publish).
   */
  ask(owner: string, ask: FleetAsk, workMs?: number): Promise<FleetReply>;
  /** Which master owns an unfinished job (undefined: none). */
  owner(jobId: number): Promise<string | undefined>;
  /** Serves the requests other masters send to this one. */
  serve(handler: (ask: FleetAsk) => Promise<FleetReply>): void;

  /** Publishes this master's connected nodes (call on every change; published at most every 100 ms). */
  publishNodes(nodes: readonly LiveNode[]): void;
  /** The nodes of the other live masters, as last heard (a live view: read it at once). */
  remoteNodes(): readonly LiveNode[];
  /** Called when another master's nodes changed. */
  onRemoteNodes(listener: () => void): () => void;
}
