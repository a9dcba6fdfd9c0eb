import type { NodeInfo } from '../../protocol/index.js';
import type { JobRecord } from './job-store.js';

/** A master sharing the database, as it registered itself; alive while its lease has not run out. */
export interface MasterMember {
  id: string;
  /** How people tell masters apart: `MASTER_NAME`, or `host:port` of its WebSocket. */
  name: string;
  startedAt: string;
  leaseUntil: string;
}

/** A node connected to some master, as that master published it (`/api/nodes` lists every master's). */
export interface LiveNode {
  info: NodeInfo;
  masterId: string;
  /** Ids of the jobs out on it. */
  running: number[];
}

/** What a master is asked to do for a job it owns, by another master (a cancel, an answer, a publish, made there). */
export interface FleetAsk {
  jobId: number;
  kind: 'cancel' | 'answer' | 'publish';
  /** The request's own fields (the answer and who gave it; the publish options). */
  payload: unknown;
}

/** How an owner answered: a value for the asker's caller, or a coded error to rethrow there. */
export type FleetReply = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** A request as stored, addressed to one master. */
export interface StoredAsk extends FleetAsk {
  id: number;
  from: string;
  to: string;
}

/**
 * The configuration a master keeps in memory and the others must read again when one changes it:
 * per-machine credentials, bridge settings, budgets, and the dashboard's remote node records
 * (read from the store, but pushed to dashboards as they change).
 */
export const CONFIG_TOPICS = ['credentials', 'settings', 'budgets', 'remote-nodes'] as const;
export type ConfigTopic = (typeof CONFIG_TOPICS)[number];

/** Changes of shared state, delivered to every master once the unit of work that made them commits. */
export type FleetSignal =
  /**
   * `queued`: the ids of `jobIds` that may be queued after the commit (the others are out on a
   * node or finished: only watchers care); absent, any of them may be (a resync, an older writer).
   */
  | { kind: 'jobs'; jobIds: number[]; queued?: number[] }
  | { kind: 'nodes' }
  | { kind: 'masters' }
  | { kind: 'asks'; to: string }
  | { kind: 'replies'; to: string }
  | { kind: 'config'; what: ConfigTopic };

/** The assignment a claim writes, when it wins. */
export interface JobClaim {
  jobId: number;
  node: string;
  attempt: number;
  assignedAt: string;
}

/**
 * What several masters on one database share beyond the jobs themselves: who is alive (leases),
 * who owns which unfinished job, which nodes are connected where, requests between masters, and
 * signals that wake them. Only an engine with a server has it (`Store.fleet`); writes that return
 * nothing join the unit of work, like every store write, and signals are delivered at its commit.
 */
export interface FleetStore {
  /** Registers (or renews) this master's lease until `leaseUntil`. */
  renew(member: MasterMember): void;
  /** Removes this master (a clean stop): its lease ends now. */
  leave(masterId: string): void;
  members(): Promise<MasterMember[]>;
  /**
   * Assigns queued jobs to nodes of `masterId`, atomically across masters: a job another master
   * has claimed (or that is no longer queued) is left alone. Resolves with the ids won.
   */
  claim(claims: readonly JobClaim[], masterId: string): Promise<number[]>;
  /** Sets (or clears, `null`) which master owns a job: on re-queue and finish. */
  setOwner(jobId: number, masterId: string | null): void;
  /** Which master owns a job (undefined: none, it is queued or finished). */
  owner(jobId: number): Promise<string | undefined>;
  /**
   * Takes a job out on `node` over for `masterId`, whoever owned it: the node now claims it here.
   * Resolves with the job as stored, or undefined when it is not out on that node.
   */
  adopt(jobId: number, node: string, masterId: string): Promise<JobRecord | undefined>;
  /** Takes over every unfinished job out on a node whose owner is not among `alive` (dead, or none). */
  takeOrphans(alive: readonly string[], masterId: string): Promise<JobRecord[]>;
  /** Publishes this master's nodes (replacing what it published before). */
  publishNodes(masterId: string, nodes: readonly LiveNode[]): void;
  /** Every master's published nodes. */
  liveNodes(): Promise<LiveNode[]>;
  /** Forgets the nodes published by masters not among `alive`. */
  dropNodesOf(alive: readonly string[]): void;
  ask(from: string, to: string, ask: FleetAsk): Promise<number>;
  /** The requests addressed to `masterId`, removed as they are taken. */
  takeAsks(masterId: string): Promise<StoredAsk[]>;
  reply(askId: number, to: string, reply: FleetReply): void;
  /** The reply to a request, removed as it is taken (undefined: none yet). */
  takeReply(askId: number): Promise<FleetReply | undefined>;
  /** Tells every master, at the commit of the current unit of work. */
  signal(signal: FleetSignal): void;
  /**
   * Listens for signals on a connection of its own. `onLost` is told when that connection drops
   * (signals may have been missed: re-read what matters); it reconnects by itself.
   */
  listen(onSignal: (signal: FleetSignal) => void, onLost: () => void): Promise<{ close(): Promise<void> }>;
}
