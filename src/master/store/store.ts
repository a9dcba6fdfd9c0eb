/** A node as it was last seen by the master, kept across restarts. */
export interface KnownNode {
  name: string;
  nodeId: string | undefined;
  tags: string[];
  version: string | undefined;
  lastAddress: string | undefined;
  firstSeen: string;
  lastSeen: string;
}

/** One observation of a node: on connect, on heartbeat, on disconnect. */
export interface NodeSighting {
  name: string;
  nodeId: string | undefined;
  tags: string[];
  version: string | undefined;
  address: string;
  at: string;
}

/**
 * The master's persistent state, named in domain terms. Writes may be batched: they are durable
 * once `flush()` returns, and at the latest by the end of the current event-loop turn.
 */
export interface Store {
  recordNodeSeen(sighting: NodeSighting): void;
  listKnownNodes(): KnownNode[];
  flush(): void;
  close(): void;
}
