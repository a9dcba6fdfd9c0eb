import type { Logger } from '../../log/index.js';
import { CodedError } from '../coded-error.js';
import type { FleetAsk, FleetReply, FleetStore, StoredAsk } from '../store/index.js';
import type { MemberWatch } from './member-watch.js';
import { SerialTask } from './serial-task.js';

/**
 * How many ask timeouts a reply that came too late may still be waited for: it is taken (and
 * dropped) so that replies nobody waits for any more do not stay in the database.
 */
const LATE_REPLY_TIMEOUTS = 6;

/** An ask on its way: settled once, by the reply, the timeout, a failure to send it, or the close. */
interface Pending {
  /** How long it may wait for its reply: the ask timeout, and what the owner's work may take on top. */
  waitMs: number;
  resolve(reply: FleetReply): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
  id?: number;
  settled: boolean;
}

/** `node_unavailable`: the part of the system that holds the job (its master) cannot be reached. */
function unavailable(message: string): CodedError {
  return new CodedError('node_unavailable', message);
}

/**
 * Requests between masters, over the store: an ask is stored for its owner with an `asks` signal,
 * the owner takes it, runs its `serve` handler and stores the reply with a `replies` signal, and
 * the asker takes that reply. Signals only wake the two sides: the fallback check takes what a
 * missed signal would have announced.
 */
export class FleetRpc {
  private handler: ((ask: FleetAsk) => Promise<FleetReply>) | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly sending = new Set<Pending>();
  /** Asks given up on, by id, with when to stop taking their late replies. */
  private readonly abandoned = new Map<number, number>();
  private closed = false;
  private readonly serving: SerialTask;
  private readonly replies: SerialTask;

  constructor(
    private readonly store: FleetStore,
    private readonly masterId: string,
    private readonly timeoutMs: number,
    private readonly members: MemberWatch,
    private readonly log: Logger,
  ) {
    this.serving = new SerialTask('take the requests to this master', () => this.takeAsks(), log);
    this.replies = new SerialTask('take the replies to this master', () => this.takeReplies(), log);
  }

  serve(handler: (ask: FleetAsk) => Promise<FleetReply>): void {
    this.handler = handler;
    void this.serving.run();
  }

  /** An `asks` signal to this master: take them. */
  asked(): void {
    if (this.handler) void this.serving.run();
  }

  /** A `replies` signal to this master: take those of the asks waiting. */
  replied(): void {
    if (this.pending.size + this.abandoned.size > 0) void this.replies.run();
  }

  /** The fallback check: what missed signals would have announced. */
  async poll(): Promise<void> {
    const serving = this.handler ? this.serving.run() : undefined;
    const replies = this.pending.size + this.abandoned.size > 0 ? this.replies.run() : undefined;
    await Promise.all([serving, replies]);
  }

  /** `workMs`: how long the owner's work may take before it replies (a publish waits for its node), on top of the ask timeout. */
  ask(owner: string, ask: FleetAsk, workMs = 0): Promise<FleetReply> {
    if (this.closed) return Promise.reject(unavailable('this master is shutting down'));
    if (owner === this.masterId) return this.run(ask);
    if (this.members.isDead(owner)) return Promise.reject(unavailable(`master ${owner}, which holds job ${ask.jobId}, is not running; another master is taking its jobs over`));
    return new Promise((resolve, reject) => this.send(owner, ask, { waitMs: this.timeoutMs + workMs, resolve, reject, settled: false }));
  }

  /** Gives up on every ask still waiting (`node_unavailable`), and sends no more. */
  close(): void {
    this.closed = true;
    for (const pending of [...this.pending.values(), ...this.sending]) this.settle(pending, () => pending.reject(unavailable('this master is shutting down')));
    this.pending.clear();
    this.sending.clear();
  }

  private send(owner: string, ask: FleetAsk, pending: Pending): void {
    pending.timer = setTimeout(() => this.expire(owner, ask, pending), pending.waitMs);
    pending.timer.unref();
    this.sending.add(pending);
    let stored: Promise<number>;
    try {
      stored = this.store.ask(this.masterId, owner, ask);
      // In the same unit of work as the request: delivered at its commit, when the owner can take it.
      this.store.signal({ kind: 'asks', to: owner });
    } catch (error) {
      stored = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    stored.then(
      (id) => this.sent(pending, id),
      (error: unknown) => {
        this.sending.delete(pending);
        this.settle(pending, () => pending.reject(error));
      },
    );
  }

  private sent(pending: Pending, id: number): void {
    this.sending.delete(pending);
    if (pending.settled) {
      this.abandon(id, pending.waitMs);
      return;
    }
    pending.id = id;
    this.pending.set(id, pending);
  }

  private expire(owner: string, ask: FleetAsk, pending: Pending): void {
    const seconds = pending.waitMs / 1000;
    this.settle(pending, () => pending.reject(unavailable(`master ${this.members.describe(owner)}, which holds job ${ask.jobId}, did not answer within ${seconds} s`)));
    if (pending.id === undefined) return;
    this.pending.delete(pending.id);
    this.abandon(pending.id, pending.waitMs);
  }

  private abandon(id: number, waitMs: number): void {
    this.abandoned.set(id, Date.now() + LATE_REPLY_TIMEOUTS * waitMs);
  }

  private settle(pending: Pending, outcome: () => void): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    outcome();
  }

  private async takeReplies(): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.abandoned) if (until <= now) this.abandoned.delete(id);
    const ids = [...this.pending.keys(), ...this.abandoned.keys()];
    await Promise.all(
      ids.map(async (id) => {
        const reply = await this.store.takeReply(id);
        if (reply) this.deliver(id, reply);
      }),
    );
  }

  private deliver(id: number, reply: FleetReply): void {
    this.abandoned.delete(id);
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.settle(pending, () => pending.resolve(reply));
  }

  private async takeAsks(): Promise<void> {
    if (!this.handler) return;
    const asks = await this.store.takeAsks(this.masterId);
    for (const ask of asks) void this.answer(ask);
  }

  /** Runs a taken request and stores its reply for the asker; never rejects (a lost reply times out there). */
  private async answer(stored: StoredAsk): Promise<void> {
    const reply = await this.run({ jobId: stored.jobId, kind: stored.kind, payload: stored.payload });
    try {
      this.store.reply(stored.id, stored.from, reply);
      this.store.signal({ kind: 'replies', to: stored.from });
    } catch (error) {
      this.log.warn({ err: error, jobId: stored.jobId, kind: stored.kind, to: stored.from }, 'fleet: could not store the reply to a request; the asker will time out');
    }
  }

  private async run(ask: FleetAsk): Promise<FleetReply> {
    const handler = this.handler;
    if (!handler) return { ok: false, code: 'node_unavailable', message: `master ${this.masterId} does not take requests yet` };
    try {
      return await handler(ask);
    } catch (error) {
      if (error instanceof CodedError) return { ok: false, code: error.code, message: error.message };
      this.log.error({ err: error, jobId: ask.jobId, kind: ask.kind }, 'fleet: a request from another master failed');
      return { ok: false, code: 'internal', message: `the ${ask.kind} of job ${ask.jobId} failed on master ${this.masterId}` };
    }
  }
}
