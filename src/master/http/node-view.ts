import type { NodeInfo } from '../../protocol/index.js';
import type { JobService } from '../jobs/index.js';

/** A connected node as `/api/nodes` and the dashboard's events show it: with the jobs it runs. */
export type NodeView = NodeInfo & { runningJobs: number[] };

/** `node` with the ids of the jobs assigned to or running on it. */
export function nodeView(node: NodeInfo, jobs: Pick<JobService, 'runningOn'>): NodeView {
  return { ...node, runningJobs: jobs.runningOn(node.name) };
}
