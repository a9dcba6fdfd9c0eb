import type { Logger } from '../../log/index.js';
import type { Commit } from '../store/index.js';

/**
 * How long a master's lease lasts unless renewed (`MASTER_LEASE_SEC`). Renewed every third of it,
 * so two renewals in a row may fail (a store briefly unreachable, a long pause) before the others
 * think it dead; and short enough that the jobs of a master that really died are taken over, and
 * their nodes' grace timers started, about as soon as those nodes have noticed and moved.
 */
export const DEFAULT_LEASE_MS = 10_000;

/**
 * How long an asking master waits for the owner's reply. As long as a lease: an owner that cannot
 * answer within it is dead or cut off, and its jobs are about to be taken over (ask again then);
 * an owner that is alive answers in one signal round trip plus the local operation.
 */
export const DEFAULT_ASK_TIMEOUT_MS = 10_000;

/**
 * The fallback check (members' leases, requests and replies whose signal was missed). Once a second
 * keeps the database's load per master small while nothing is signalled, and bounds how late a
 * dead master is noticed beyond its lease.
 */
export const CHECK_INTERVAL_MS = 1_000;

/** What a fleet needs to know about this master. */
export interface FleetOptions {
  /** This start's id (default: a fresh uuid). */
  masterId?: string | undefined;
  /** How people tell this master apart (`MASTER_NAME`, or `host:port`). */
  name: string;
  /** `DEFAULT_LEASE_MS` unless set. */
  leaseMs?: number | undefined;
  /** `DEFAULT_ASK_TIMEOUT_MS` unless set. */
  askTimeoutMs?: number | undefined;
  log: Logger;
}

/** The parts of the whole store a shared fleet uses beside its `FleetStore` (`createFleet` gives them). */
export interface FleetHost {
  /** Ends the current unit of work (the registration before `start` resolves, the leave before `close` does). */
  commit(): Commit;
  /** A failed commit lost this turn's lease renewal and node list: they are written again. */
  onCommitFailed(listener: (error: Error) => void): () => void;
  /** Every unfinished job's id, for `onRemoteJobs` after the signal connection was lost. */
  unfinishedJobIds(): Promise<number[]>;
}

/** A shared fleet's options: `host` absent (tests), nothing is awaited and no job is resynced. */
export interface SharedFleetOptions extends FleetOptions {
  host?: FleetHost | undefined;
}
