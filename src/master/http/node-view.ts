import type { NodeInfo } from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Hub } from '../hub/index.js';
import type { JobService } from '../jobs/index.js';
import type { LiveNode } from '../store/index.js';
import type { MasterNames } from './master-names.js';

/**
 * A connected node as `/api/nodes` and the dashboard's events show it: with the jobs it runs, and,
 * when masters share the store, the name of the master it is connected to (absent alone).
 */
export type NodeView = NodeInfo & { runningJobs: number[]; master?: string };

/** A node as the bridges' `status` lists it: a remote one with the jobs its master published (`running`). */
export type ListedNodeInfo = NodeInfo & { running?: number[] };

/** The masters beside this one, as the node lists need them: absent alone (SQLite, or a store not shared). */
export interface FleetNodeSources {
  fleet: Pick<Fleet, 'remoteNodes' | 'onRemoteNodes'>;
  names: Pick<MasterNames, 'get' | 'known' | 'onNamed'>;
  /** This master's name (`MASTER_NAME`). */
  name: string;
}

/**
 * Every node connected to a master on this store: this master's own (the hub's, with the jobs it
 * holds on each) and, when masters share the store, the others' as they published them. Alone it
 * is exactly the hub's list, with nothing more read or built.
 */
export class NodeDirectory {
  constructor(
    private readonly hub: Pick<Hub, 'listNodes'>,
    private readonly jobs: Pick<JobService, 'runningOn'>,
    private readonly shared?: FleetNodeSources | undefined,
  ) {}

  /** A node of this master as shown, with the jobs out on it. */
  own(node: NodeInfo, runningJobs: number[]): NodeView {
    return this.shared ? { ...node, runningJobs, master: this.shared.name } : { ...node, runningJobs };
  }

  /** The other masters' nodes as shown (their master by name, or by id until it is read). */
  remote(): NodeView[] {
    if (!this.shared) return [];
    const { names } = this.shared;
    return this.shared.fleet.remoteNodes().map((node) => remoteView(node, names.get(node.masterId) ?? node.masterId));
  }

  /** Every node, this master's first, once the master of each is named: `/api/nodes`. */
  async list(): Promise<NodeView[]> {
    if (this.shared) await this.shared.names.known(this.shared.fleet.remoteNodes().map((node) => node.masterId));
    const own = this.hub.listNodes().map((node) => this.own(node, this.jobs.runningOn(node.name)));
    return this.shared ? [...own, ...this.remote()] : own;
  }

  /** Every node's state, this master's first (the health: a node online on any master can take a job). */
  infos(): NodeInfo[] {
    const own = this.hub.listNodes();
    return this.shared ? [...own, ...this.shared.fleet.remoteNodes().map((node) => node.info)] : own;
  }

  /** Every node as the bridges' `status` lists it. */
  listed(): ListedNodeInfo[] {
    const own = this.hub.listNodes();
    return this.shared ? [...own, ...this.shared.fleet.remoteNodes().map((node) => ({ ...node.info, running: node.running }))] : own;
  }

  /** Called when the other masters' nodes changed, or a master of theirs was named. */
  onRemoteChange(listener: () => void): () => void {
    if (!this.shared) return () => undefined;
    const off = [this.shared.fleet.onRemoteNodes(listener), this.shared.names.onNamed(listener)];
    return () => off.forEach((unsubscribe) => unsubscribe());
  }
}

function remoteView(node: LiveNode, master: string): NodeView {
  return { ...node.info, runningJobs: node.running, master };
}
