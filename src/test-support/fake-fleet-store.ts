import type { FleetAsk, FleetReply, FleetSignal, FleetStore, JobClaim, JobRecord, LiveNode, MasterMember, StoredAsk } from '../master/store/index.js';

interface Listening {
  onSignal: (signal: FleetSignal) => void;
  onLost: () => void;
}

/** A job as the fake keeps it: the record and its owner (`jobs.master_id`). */
interface FakeJob {
  job: JobRecord;
  owner: string | undefined;
}

const OUT = new Set(['assigned', 'running']);

/** A job record with everything a test does not care about filled in. */
export function fakeJob(id: number, changes: Partial<JobRecord> = {}): JobRecord {
  return Object.assign<JobRecord, Partial<JobRecord>>(
    { id, prompt: `job ${id}`, target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 3, timeoutSec: 60, status: 'queued', attempt: 0, createdAt: '2030-01-01T00:00:00.000Z', lastSeq: 0 },
    changes,
  );
}

/**
 * One database shared by several masters, in memory, for `SharedFleet` tests: every master's
 * fleet is given the same instance (each passes its own id, as with PostgreSQL). Writes apply at
 * once; signals wait for the unit of work's commit, which comes at `setImmediate` (faked timers
 * included) or through `commit()`, and reach every listener, the sender's own included (the
 * PostgreSQL store drops its own: a master's echo of what it did must be harmless). `failing` makes the named methods throw (writes) or reject (the others);
 * `dropSignals` loses signals on the way (a connection that missed them); `calls` counts each
 * method's calls.
 */
export class FakeFleetStore implements FleetStore {
  readonly masters = new Map<string, MasterMember>();
  readonly jobs = new Map<number, FakeJob>();
  readonly nodes = new Map<string, LiveNode[]>();
  readonly asks: StoredAsk[] = [];
  readonly replies = new Map<number, FleetReply>();
  /** Every signal delivered, in order. */
  readonly delivered: FleetSignal[] = [];
  /** Every `publishNodes` write, in order. */
  readonly published: Array<{ masterId: string; nodes: LiveNode[] }> = [];
  readonly calls = new Map<keyof FleetStore, number>();
  readonly failing = new Set<keyof FleetStore>();
  dropSignals = false;
  private readonly listening = new Set<Listening>();
  private pending: FleetSignal[] = [];
  private commitScheduled = false;
  private askIds = 0;

  addJob(job: JobRecord, owner?: string): void {
    this.jobs.set(job.id, { job, owner });
  }

  called(method: keyof FleetStore): number {
    return this.calls.get(method) ?? 0;
  }

  /** Delivers the signals of the current unit of work now. */
  commit(): undefined {
    const signals = this.pending;
    this.pending = [];
    if (this.dropSignals) return undefined;
    for (const signal of signals) {
      this.delivered.push(signal);
      for (const listening of [...this.listening]) listening.onSignal(signal);
    }
    return undefined;
  }

  /** The listen connections drop (and reconnect at once): each is told through `onLost`. */
  loseConnection(): void {
    for (const listening of [...this.listening]) listening.onLost();
  }

  renew(member: MasterMember): void {
    this.enter('renew');
    this.masters.set(member.id, { ...member });
  }

  leave(masterId: string): void {
    this.enter('leave');
    this.masters.delete(masterId);
  }

  members(): Promise<MasterMember[]> {
    return this.read('members', () => [...this.masters.values()].map((member) => ({ ...member })));
  }

  claim(claims: readonly JobClaim[], masterId: string): Promise<number[]> {
    return this.read('claim', () => {
      const won: number[] = [];
      for (const claim of claims) {
        const held = this.jobs.get(claim.jobId);
        if (held?.job.status !== 'queued') continue;
        held.job = { ...held.job, status: 'assigned', node: claim.node, attempt: claim.attempt, assignedAt: claim.assignedAt };
        held.owner = masterId;
        won.push(claim.jobId);
      }
      return won;
    });
  }

  setOwner(jobId: number, masterId: string | null): void {
    this.enter('setOwner');
    const held = this.jobs.get(jobId);
    if (held) held.owner = masterId ?? undefined;
  }

  owner(jobId: number): Promise<string | undefined> {
    return this.read('owner', () => this.jobs.get(jobId)?.owner);
  }

  adopt(jobId: number, node: string, masterId: string): Promise<JobRecord | undefined> {
    return this.read('adopt', () => {
      const held = this.jobs.get(jobId);
      if (!held || !OUT.has(held.job.status) || held.job.node !== node) return undefined;
      held.owner = masterId;
      return held.job;
    });
  }

  takeOrphans(alive: readonly string[], masterId: string): Promise<JobRecord[]> {
    return this.read('takeOrphans', () => {
      const taken: JobRecord[] = [];
      for (const held of this.jobs.values()) {
        if (!OUT.has(held.job.status) || (held.owner !== undefined && alive.includes(held.owner))) continue;
        held.owner = masterId;
        taken.push(held.job);
      }
      return taken;
    });
  }

  publishNodes(masterId: string, nodes: readonly LiveNode[]): void {
    this.enter('publishNodes');
    this.nodes.set(masterId, [...nodes]);
    this.published.push({ masterId, nodes: [...nodes] });
  }

  liveNodes(): Promise<LiveNode[]> {
    return this.read('liveNodes', () => [...this.nodes.values()].flat());
  }

  dropNodesOf(alive: readonly string[]): void {
    this.enter('dropNodesOf');
    for (const masterId of [...this.nodes.keys()]) if (!alive.includes(masterId)) this.nodes.delete(masterId);
  }

  ask(from: string, to: string, ask: FleetAsk): Promise<number> {
    return this.read('ask', () => {
      const id = ++this.askIds;
      this.asks.push({ ...ask, id, from, to });
      return id;
    });
  }

  takeAsks(masterId: string): Promise<StoredAsk[]> {
    return this.read('takeAsks', () => {
      const taken = this.asks.filter((ask) => ask.to === masterId);
      this.asks.splice(0, this.asks.length, ...this.asks.filter((ask) => ask.to !== masterId));
      return taken;
    });
  }

  reply(askId: number, _to: string, reply: FleetReply): void {
    this.enter('reply');
    this.replies.set(askId, reply);
  }

  takeReply(askId: number): Promise<FleetReply | undefined> {
    return this.read('takeReply', () => {
      const reply = this.replies.get(askId);
      this.replies.delete(askId);
      return reply;
    });
  }

  signal(signal: FleetSignal): void {
    this.enter('signal');
    this.pending.push(signal);
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      this.commit();
    });
  }

  listen(onSignal: (signal: FleetSignal) => void, onLost: () => void): Promise<{ close(): Promise<void> }> {
    return this.read('listen', () => {
      const listening = { onSignal, onLost };
      this.listening.add(listening);
      return {
        close: () => {
          this.listening.delete(listening);
          return Promise.resolve();
        },
      };
    });
  }

  /** Counts a write, and throws when it is to fail. */
  private enter(method: keyof FleetStore): void {
    this.calls.set(method, this.called(method) + 1);
    if (this.failing.has(method)) throw new Error(`the fake store is unreachable (${method})`);
  }

  private read<T>(method: keyof FleetStore, answer: () => T): Promise<T> {
    try {
      this.enter(method);
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
