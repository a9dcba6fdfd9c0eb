import { randomUUID } from 'node:crypto';
import { CodedError } from '../coded-error.js';
import type { FleetAsk, FleetReply, JobRecord, LiveNode } from '../store/index.js';
import { SOLO_CONFIG } from './config-changes.js';
import type { Fleet } from './fleet.js';

const NO_REMOTE_NODES: readonly LiveNode[] = Object.freeze([]);
const unsubscribed = (): void => undefined;

/**
 * One master alone (SQLite, or a database it does not share): every claim wins at once, in the
 * same turn (the job path stays synchronous), nothing is remote, and nothing is ever signalled.
 */
export class SoloFleet implements Fleet {
  readonly masterId: string;
  readonly shared = false;
  readonly config = SOLO_CONFIG;
  private handler: ((ask: FleetAsk) => Promise<FleetReply>) | undefined;

  constructor(options: { masterId?: string | undefined } = {}) {
    this.masterId = options.masterId ?? randomUUID();
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  claim(): true {
    return true;
  }

  changed(): void {}

  onRemoteJobs(): () => void {
    return unsubscribed;
  }

  /** No other master ever held a job: nothing to take over. */
  adopt(): Promise<JobRecord | undefined> {
    return Promise.resolve(undefined);
  }

  onOrphans(): () => void {
    return unsubscribed;
  }

  /**
   * Only this master owns jobs: an ask to it is served here (a coded error becomes the reply, as
   * from another master); to any other, `node_unavailable`.
   */
  async ask(owner: string, ask: FleetAsk): Promise<FleetReply> {
    if (owner !== this.masterId || !this.handler) throw new CodedError('node_unavailable', `master ${owner}, which holds job ${ask.jobId}, is not this one, and this one shares its database with no other`);
    try {
      return await this.handler(ask);
    } catch (error) {
      if (error instanceof CodedError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  }

  /** No job is owned elsewhere. */
  owner(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  serve(handler: (ask: FleetAsk) => Promise<FleetReply>): void {
    this.handler = handler;
  }

  publishNodes(): void {}

  remoteNodes(): readonly LiveNode[] {
    return NO_REMOTE_NODES;
  }

  onRemoteNodes(): () => void {
    return unsubscribed;
  }
}
