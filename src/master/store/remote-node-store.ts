/** What a person says about a remote node; the master does not connect to it (the seed's mock-up). */
export type RemoteNodeStatus = 'online' | 'offline' | 'maintenance';

/** The fields a person chooses for a remote node record. */
export interface NewRemoteNode {
  name: string;
  host: string;
  tags: string[];
  status: RemoteNodeStatus;
}

/** A remote node record as stored. Times are ISO strings. */
export interface RemoteNode extends NewRemoteNode {
  id: number;
  createdAt: string;
  updatedAt: string;
}

/** Fields a change may set; absent ones stay as they are. */
export type RemoteNodeChanges = Partial<NewRemoteNode>;

/**
 * Remote node records. Names are unique regardless of case. Writes join the current unit of
 * work: settle it (the store's `commit()`) before telling anyone about them.
 */
export interface RemoteNodeStore {
  /** Oldest first. */
  list(): Promise<RemoteNode[]>;
  /** The record with this name, compared regardless of case. */
  findByName(name: string): Promise<RemoteNode | undefined>;
  add(node: NewRemoteNode, at: string): Promise<RemoteNode>;
  /** Applies `changes` and returns the record as it now is; undefined when there is no such id. */
  update(id: number, changes: RemoteNodeChanges, at: string): Promise<RemoteNode | undefined>;
  /** False when there was no such id. */
  remove(id: number): Promise<boolean>;
}
