import type pg from 'pg';
import type { Logger } from '../../../log/index.js';
import type { FleetAsk, FleetReply, FleetSignal, FleetStore, JobClaim, LiveNode, MasterMember, StoredAsk } from '../fleet-store.js';
import type { JobRecord } from '../job-store.js';
import { toRecord, type JobRow } from '../job-row.js';
import { decodeSignal, FLEET_CHANNEL, newOrigin, SignalRows } from './pg-fleet-signals.js';
import * as sql from './pg-fleet-sql.js';
import { PgListener } from './pg-listener.js';
import type { PgUnitOfWork } from './pg-unit-of-work.js';

/**
 * How long a crashed master's row stays after its lease ran out: long enough for every live
 * master to have read it dead (they read the members every second), and then it is forgotten.
 */
const FORGET_DEAD_AFTER_MS = 60 * 60 * 1000;

interface MasterRow {
  id: string;
  name: string;
  started_at: string;
  lease_until: string;
}

interface AskRow {
  id: number;
  from_master: string;
  to_master: string;
  job_id: number;
  kind: FleetAsk['kind'];
  payload: string | null;
}

/** A node as a master's row of `live_nodes` holds it. */
interface PublishedNode {
  info: LiveNode['info'];
  running: number[];
}

const now = (): string => new Date().toISOString();

/**
 * `FleetStore` on PostgreSQL. Its writes join the turn's unit of work like every store write;
 * `claim`, `adopt`, `takeOrphans`, `ask` and the takes are statements of that unit of work whose
 * result comes back once they ran (the rows they won are locked by the turn's transaction until
 * it commits, so no other master can win them too). Signals are `pg_notify` on `csc_fleet`: each
 * distinct one once per transaction, sent at its commit (`SignalRows`). Besides the signals callers
 * send, the store sends those its own writes imply (the jobs a claim, an adoption or a take-over
 * took; `nodes` on a publish; `masters` on the first renewal and the leave; `asks`, `replies` to
 * whom they are addressed): one store is one master, and it never hears its own signals.
 */
export class PgFleetStore implements FleetStore {
  private readonly origin = newOrigin();
  private readonly registered = new Set<string>();
  private readonly listeners = new Set<PgListener>();

  constructor(
    private readonly uow: PgUnitOfWork,
    /** Makes a connection for listening (not connected yet). */
    private readonly connectListener: () => pg.Client,
    private readonly log: Logger,
  ) {}

  renew(member: MasterMember): void {
    this.uow.write({ name: 'csc_fleet_renew', text: sql.RENEW, values: [member.id, member.name, member.startedAt, member.leaseUntil] });
    if (!this.registered.has(member.id)) {
      this.registered.add(member.id);
      this.signal({ kind: 'masters' });
    }
  }

  leave(masterId: string): void {
    this.uow.write({ name: 'csc_fleet_leave', text: sql.LEAVE, values: [masterId] });
    this.registered.delete(masterId);
    this.signal({ kind: 'masters' });
    this.signal({ kind: 'nodes' });
  }

  async members(): Promise<MasterMember[]> {
    const { rows } = await this.uow.read<MasterRow>({ name: 'csc_fleet_members', text: sql.MEMBERS });
    return rows.map((row) => ({ id: row.id, name: row.name, startedAt: row.started_at, leaseUntil: row.lease_until }));
  }

  async claim(claims: readonly JobClaim[], masterId: string): Promise<number[]> {
    // Each job once: a second claim of one in the same statement would be applied or not, unordered.
    const unique = [...new Map(claims.map((claim) => [claim.jobId, claim])).values()];
    if (unique.length === 0) return [];
    const values = [unique.map((c) => c.jobId), unique.map((c) => c.node), unique.map((c) => c.attempt), unique.map((c) => c.assignedAt), masterId, this.origin];
    const { rows } = await this.uow.run<{ id: number }>({ name: 'csc_fleet_claim', text: sql.CLAIM, values });
    return rows.map((row) => row.id).sort((a, b) => a - b);
  }

  setOwner(jobId: number, masterId: string | null): void {
    this.uow.write({ name: 'csc_fleet_set_owner', text: sql.SET_OWNER, values: [jobId, masterId] });
    this.signal({ kind: 'jobs', jobIds: [jobId] });
  }

  async owner(jobId: number): Promise<string | undefined> {
    const { rows } = await this.uow.read<{ master_id: string | null }>({ name: 'csc_fleet_owner', text: sql.OWNER, values: [jobId] });
    return rows[0]?.master_id ?? undefined;
  }

  async adopt(jobId: number, node: string, masterId: string): Promise<JobRecord | undefined> {
    const { rows } = await this.uow.run<JobRow>({ name: 'csc_fleet_adopt', text: sql.ADOPT, values: [jobId, node, masterId, this.origin] });
    return rows[0] && toRecord(rows[0]);
  }

  async takeOrphans(alive: readonly string[], masterId: string): Promise<JobRecord[]> {
    const { rows } = await this.uow.run<JobRow>({ name: 'csc_fleet_take_orphans', text: sql.TAKE_ORPHANS, values: [alive, masterId, now(), this.origin] });
    return rows.map(toRecord);
  }

  publishNodes(masterId: string, nodes: readonly LiveNode[]): void {
    const published: PublishedNode[] = nodes.map((node) => ({ info: node.info, running: node.running }));
    this.uow.write({ name: 'csc_fleet_publish_nodes', text: sql.PUBLISH_NODES, values: [masterId, JSON.stringify(published), now()] });
    this.signal({ kind: 'nodes' });
  }

  async liveNodes(): Promise<LiveNode[]> {
    const { rows } = await this.uow.read<{ master_id: string; nodes: string }>({ name: 'csc_fleet_live_nodes', text: sql.LIVE_NODES });
    return rows.flatMap((row) => (JSON.parse(row.nodes) as PublishedNode[]).map((node) => ({ info: node.info, masterId: row.master_id, running: node.running })));
  }

  dropNodesOf(alive: readonly string[]): void {
    const forgetBefore = new Date(Date.now() - FORGET_DEAD_AFTER_MS).toISOString();
    this.uow.write({ name: 'csc_fleet_drop_nodes', text: sql.DROP_NODES_OF, values: [alive, now(), forgetBefore, this.origin] });
  }

  async ask(from: string, to: string, ask: FleetAsk): Promise<number> {
    const payload = ask.payload === undefined ? null : JSON.stringify(ask.payload);
    const inserted = this.uow.run<{ id: number }>({ name: 'csc_fleet_ask', text: sql.ASK, values: [from, to, ask.jobId, ask.kind, payload, now()] });
    this.signal({ kind: 'asks', to });
    const { rows } = await inserted;
    return rows[0]!.id;
  }

  async takeAsks(masterId: string): Promise<StoredAsk[]> {
    const { rows } = await this.uow.run<AskRow>({ name: 'csc_fleet_take_asks', text: sql.TAKE_ASKS, values: [masterId] });
    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: row.id, from: row.from_master, to: row.to_master, jobId: row.job_id, kind: row.kind, payload: row.payload === null ? undefined : (JSON.parse(row.payload) as unknown) }));
  }

  reply(askId: number, to: string, reply: FleetReply): void {
    this.uow.write({ name: 'csc_fleet_reply', text: sql.REPLY, values: [askId, to, JSON.stringify(reply), now()] });
    this.signal({ kind: 'replies', to });
  }

  async takeReply(askId: number): Promise<FleetReply | undefined> {
    const { rows } = await this.uow.run<{ reply: string }>({ name: 'csc_fleet_take_reply', text: sql.TAKE_REPLY, values: [askId] });
    return rows[0] && (JSON.parse(rows[0].reply) as FleetReply);
  }

  signal(signal: FleetSignal): void {
    if (signal.kind === 'jobs' && signal.jobIds.length === 0) return;
    const rows = this.uow.hold(SignalRows);
    rows.origin = this.origin;
    rows.add(signal);
  }

  /** Signals of the other masters (those of this store are not delivered: it made them). */
  async listen(onSignal: (signal: FleetSignal) => void, onLost: () => void): Promise<{ close(): Promise<void> }> {
    const onPayload = (payload: string) => {
      const decoded = decodeSignal(payload);
      if (decoded === undefined) this.log.debug({ payload: payload.slice(0, 200) }, 'ignored a signal that is not one of ours');
      else if (decoded.origin !== this.origin) onSignal(decoded.signal);
    };
    const listener = await PgListener.open({ connect: this.connectListener, channel: FLEET_CHANNEL, log: this.log, onPayload, onLost });
    this.listeners.add(listener);
    return {
      close: async () => {
        this.listeners.delete(listener);
        await listener.close();
      },
    };
  }

  /** Stops every listener still open (the store is closing). */
  async close(): Promise<void> {
    const open = [...this.listeners];
    this.listeners.clear();
    await Promise.all(open.map((listener) => listener.close()));
  }
}
