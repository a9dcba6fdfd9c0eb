import type { ReadyNode } from '../hub/index.js';
import type { JobTarget } from '../store/index.js';

interface PoolNode extends ReadyNode {
  running: Set<number>;
}

/** A node as a waiting reason looks at it: one of this master's, or one connected to another master. */
export interface SlotView {
  name: string;
  tags: readonly string[];
  capabilities: { slots: number; executors: readonly string[] };
  running: { readonly size: number };
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

  /**
   * Why no node takes a job for `target` right now, in words for the person waiting; undefined when
   * a matching node has a free slot (the job is about to be assigned). Walks every node, so it runs
   * only for jobs that dispatch could not place and for reads, never per event.
   */
  waitingReason(target: JobTarget, others?: readonly SlotView[]): string | undefined {
    const all: SlotView[] = others === undefined || others.length === 0 ? [...this.nodes.values()] : [...this.nodes.values(), ...others];
    const named = target.node === undefined ? all : all.filter((n) => n.name === target.node);
    if (target.node !== undefined && named.length === 0) return `no connected node named ${target.node}`;
    if (named.length === 0 && target.tags.length === 0) return 'no node is connected';
    const tagged = named.filter((node) => target.tags.every((tag) => node.tags.includes(tag)));
    const tags = target.tags.join(', ');
    if (tagged.length === 0) return target.node === undefined ? `no connected node has tags ${tags}` : `node ${target.node} does not have tags ${tags}`;
    const able = tagged.filter((node) => node.capabilities.slots > 0 && node.capabilities.executors.length > 0);
    if (able.length === 0) return `${matching(tagged)} cannot run jobs (no executor or 0 slots)`;
    if (able.some((node) => node.running.size < node.capabilities.slots)) return undefined;
    return `${matching(able)} ${able.length === 1 ? 'is' : 'are'} busy`;
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

/** "the matching node gpu-1" for one, "all 3 matching nodes" for more. */
function matching(nodes: readonly SlotView[]): string {
  return nodes.length === 1 ? `the matching node ${nodes[0]?.name ?? ''}` : `all ${nodes.length} matching nodes`;
}
