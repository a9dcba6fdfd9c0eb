import type { JobService } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

/**
 * Which nodes' running jobs changed since the dashboards were last told. Node events carry each
 * node's running jobs, but the hub has no word when a job starts or ends on a node; this finds the
 * nodes whose list changed after a batch of job updates.
 */
export class RunningJobsWatch {
  /** What was last sent per node. */
  private readonly sent = new Map<string, number[]>();
  /** The node each job in `sent` was listed on, for jobs that since lost their node (re-queued). */
  private readonly nodeOfJob = new Map<number, string>();

  constructor(private readonly jobs: Pick<JobService, 'runningOn'>) {}

  /** A node's running jobs, remembered as sent. */
  runningOn(name: string): number[] {
    const ids = this.jobs.runningOn(name);
    this.remember(name, ids);
    return ids;
  }

  /** The node left: nothing more will be sent about it. */
  forget(name: string): void {
    this.remember(name, []);
    this.sent.delete(name);
  }

  /** Names of the nodes whose running jobs differ from what was sent, after these jobs changed. */
  changedBy(jobs: readonly JobRecord[]): string[] {
    const names = new Set<string>();
    for (const job of jobs) {
      const before = this.nodeOfJob.get(job.id);
      if (before !== undefined) names.add(before);
      if (job.node !== undefined) names.add(job.node);
    }
    return [...names].filter((name) => {
      const sent = this.sent.get(name);
      const now = this.jobs.runningOn(name);
      return sent === undefined || sent.length !== now.length || sent.some((id, i) => id !== now[i]);
    });
  }

  /** Forgets everything (nobody is listening). */
  clear(): void {
    this.sent.clear();
    this.nodeOfJob.clear();
  }

  private remember(name: string, ids: number[]): void {
    for (const id of this.sent.get(name) ?? []) if (this.nodeOfJob.get(id) === name) this.nodeOfJob.delete(id);
    for (const id of ids) this.nodeOfJob.set(id, name);
    this.sent.set(name, ids);
  }
}
