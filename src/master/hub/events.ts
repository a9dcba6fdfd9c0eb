import type { NodeInfo } from '../../protocol/index.js';

export type NodeEvent = { event: 'connected' | 'updated' | 'disconnected'; node: NodeInfo };
export type NodeListener = (event: NodeEvent) => void;

/** A minimal typed listener set; listeners that throw are isolated from the hub and each other. */
export class NodeEvents {
  private readonly listeners = new Set<NodeListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: NodeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: NodeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
