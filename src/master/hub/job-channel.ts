import type { Capabilities, JobEventsFrame, JobPublishedFrame } from '../../protocol/index.js';

/** A node ready for work, as it introduced itself. */
export interface ReadyNode {
  name: string;
  tags: string[];
  capabilities: Capabilities;
  /** Jobs the node says it is still running (it reconnected mid-job). */
  runningJobs: number[];
}

/**
 * What the hub tells the job layer about nodes. The hub owns connections; the job layer owns jobs
 * and talks back through `Hub.sendToNode`.
 */
export interface JobChannel {
  nodeReady(node: ReadyNode): void;
  nodeGone(name: string): void;
  jobEvents(node: string, frame: JobEventsFrame): void;
  /** A node's answer to `job_publish`. */
  jobPublished(node: string, frame: JobPublishedFrame): void;
}
