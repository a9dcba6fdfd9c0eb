import type { Logger } from '../../log/index.js';
import type { FleetStore, MasterMember } from '../store/index.js';

/** What a read of the members found, against the one before. */
export interface MemberChange {
  /** The set of live masters is not what it was (one joined, died or left). */
  changed: boolean;
  /** A master died or left since the last read (or had, unseen, before it): its jobs and nodes may be orphans. */
  lost: boolean;
}

/**
 * The masters sharing the database, as last read: alive while their lease has not run out by this
 * master's clock (leases are written by their owners' clocks, so the masters' clocks must agree
 * within much less than a lease: `csc doctor` checks the skew). This master is always alive to
 * itself: it never takes its own jobs over as orphans.
 */
export class MemberWatch {
  private alive = new Map<string, MasterMember>();
  private dead = new Set<string>();
  private lapseWarned = false;

  constructor(
    private readonly store: FleetStore,
    private readonly masterId: string,
    private readonly log: Logger,
  ) {}

  /** Ids of the live masters, this one included. */
  aliveIds(): string[] {
    return [this.masterId, ...this.alive.keys()];
  }

  isAlive(id: string): boolean {
    return id === this.masterId || this.alive.has(id);
  }

  /** Whether `id` was read as a master whose lease ran out (a master not read yet is not known dead). */
  isDead(id: string): boolean {
    return this.dead.has(id);
  }

  /** `name (id)` when the master is known, the id otherwise: for messages. */
  describe(id: string): string {
    const member = this.alive.get(id);
    return member ? `${member.name} (${id})` : id;
  }

  async read(): Promise<MemberChange> {
    const members = await this.store.members();
    const now = Date.now();
    const alive = new Map<string, MasterMember>();
    const dead = new Set<string>();
    for (const member of members) {
      if (member.id === this.masterId) this.checkOwn(member, now);
      else if (Date.parse(member.leaseUntil) > now) alive.set(member.id, member);
      else dead.add(member.id);
    }
    const lost = [...this.alive.keys()].some((id) => !alive.has(id)) || [...dead].some((id) => !this.dead.has(id));
    const changed = lost || [...alive.keys()].some((id) => !this.alive.has(id));
    this.alive = alive;
    this.dead = dead;
    return { changed, lost };
  }

  /** A lease of its own that ran out (a long pause, the store unreachable): the others may have taken its jobs. */
  private checkOwn(member: MasterMember, now: number): void {
    const lapsed = Date.parse(member.leaseUntil) <= now;
    if (lapsed && !this.lapseWarned) this.log.warn({ leaseUntil: member.leaseUntil }, "fleet: this master's lease ran out before it was renewed; other masters may have taken its jobs over");
    this.lapseWarned = lapsed;
  }
}
