import type { JobClaim, JobRecord, JobStore } from '../master/store/index.js';
import { FakeFleetStore } from './fake-fleet-store.js';

const OUT = new Set(['assigned', 'running']);

/**
 * The fleet's part of one database over the jobs of a store several job services share, as
 * PostgreSQL has it: a claim assigns a job only while it is queued (claims run one at a time,
 * as the database's row locks make them), the owner of a job counts only while it is out on a
 * node (the migration's trigger clears it otherwise), adoption and orphans take it over.
 */
export class SharedJobsFleetStore extends FakeFleetStore {
  private readonly owners = new Map<number, string>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: JobStore) {
    super();
  }

  override claim(claims: readonly JobClaim[], masterId: string): Promise<number[]> {
    const run = this.turn.then(async () => {
      const won: number[] = [];
      for (const { jobId, node, attempt, assignedAt } of claims) {
        if ((await this.store.get(jobId))?.status !== 'queued') continue;
        this.store.update(jobId, { status: 'assigned', node, attempt, assignedAt });
        this.owners.set(jobId, masterId);
        won.push(jobId);
      }
      return won;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  override async owner(jobId: number): Promise<string | undefined> {
    const job = await this.store.get(jobId);
    return job && OUT.has(job.status) ? this.owners.get(jobId) : undefined;
  }

  override async adopt(jobId: number, node: string, masterId: string): Promise<JobRecord | undefined> {
    const job = await this.store.get(jobId);
    if (!job || !OUT.has(job.status) || job.node !== node) return undefined;
    this.owners.set(jobId, masterId);
    return job;
  }

  override async takeOrphans(alive: readonly string[], masterId: string): Promise<JobRecord[]> {
    const taken: JobRecord[] = [];
    for (const job of await this.store.withStatus(['assigned', 'running'])) {
      const owner = this.owners.get(job.id);
      if (owner !== undefined && alive.includes(owner)) continue;
      this.owners.set(job.id, masterId);
      taken.push(job);
    }
    return taken;
  }

  ownerOf(jobId: number): string | undefined {
    return this.owners.get(jobId);
  }
}
