import type { ReadyNode } from '../hub/index.js';
import type { JobTarget } from '../store/index.js';

interface PoolNode extends ReadyNode {
  running: Set<number>;
}

/** The nodes that can take jobs right now, with what each is running. */
export class NodePool {
  private readonly nodes = new Map<string, PoolNode>();

  add(node: ReadyNode): void {
    this.nodes.set(node.name, { ...node, running: new Set(node.runningJobs) });
  }

  remove(name: string): void {
    this.nodes.delete(name);
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  /** The node with the most free slots that matches `target`, if any has a free slot. */
  pick(target: JobTarget): string | undefined {
    let best: PoolNode | undefined;
    for (const node of this.nodes.values()) {
      if (!matches(node, target)) continue;
      const free = node.capabilities.slots - node.running.size;
      if (free > 0 && (!best || free > best.capabilities.slots - best.running.size)) best = node;
    }
    return best?.name;
  }

  /** Whether some node has a free slot: without one, dispatching cannot assign anything. */
  hasFreeSlot(): boolean {
    for (const node of this.nodes.values()) {
      if (node.capabilities.executors.length > 0 && node.running.size < node.capabilities.slots) return true;
    }
    return false;
  }

  start(name: string, jobId: number): void {
    this.nodes.get(name)?.running.add(jobId);
  }

  finish(name: string | undefined, jobId: number): void {
    if (name !== undefined) this.nodes.get(name)?.running.delete(jobId);
  }
}

function matches(node: ReadyNode, target: JobTarget): boolean {
  if (node.capabilities.slots === 0 || node.capabilities.executors.length === 0) return false;
  if (target.node !== undefined && target.node !== node.name) return false;
  return target.tags.every((tag) => node.tags.includes(tag));
}
