import type { NodeInfo } from '../../protocol/index.js';
import { Listeners } from '../listeners.js';

export type NodeEvent = { event: 'connected' | 'updated' | 'disconnected'; node: NodeInfo };
export type NodeListener = (event: NodeEvent) => void;

/** Listeners of node events; listeners that throw are isolated from the hub and each other. */
export class NodeEvents extends Listeners<NodeEvent> {
  get hasListeners(): boolean {
    return this.size > 0;
  }
}
