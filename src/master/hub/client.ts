import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PeerPrincipal } from '../auth/index.js';
import { PROTOCOL_VERSION, type Capabilities, type NodeInfo, type NodeStatus, type Role, type WelcomeFrame } from '../../protocol/index.js';

const DEFAULT_CAPABILITIES: Capabilities = { slots: 0, executors: [], chat: true };

/**
 * One authenticated connection on the WebSocket port. Mutable by design: the hub updates
 * activity fields on every frame, so they are plain fields rather than immutable snapshots.
 */
export class Client {
  /** The credential's role: a connection is what its credential lets it be, from the start. */
  readonly role: Role;
  name: string;
  nodeId: string | undefined;
  tags: string[] = [];
  version: string | undefined;
  capabilities: Capabilities = DEFAULT_CAPABILITIES;
  /** Sent `hello`; clients that never do are the seed's anonymous nodes. */
  greeted = false;
  readonly connectedAt = Date.now();
  lastActivity = this.connectedAt;
  /** Inbound traffic (a frame or a pong) since the last ping. */
  alive = true;
  missedPings = 0;
  status: NodeStatus = 'online';
  /** Corked by the outbox until the current turn's I/O callbacks have run. */
  corked = false;
  /** This turn's frames, held by the outbox because the socket still holds an earlier turn's that wait for a commit. */
  held: Buffer[] | undefined;
  /** Turns whose frames for this client wait for their commit (see `Outbox`). */
  awaiting = 0;
  /** Bytes of `held` frames, of every turn, not yet written to the socket. */
  heldBytes = 0;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    /** The raw TCP socket under `ws`, kept to cork writes. */
    readonly socket: Duplex,
    readonly address: string,
    /** Who the connection's credential proves it to be. */
    readonly principal: PeerPrincipal,
  ) {
    this.role = principal.role;
    this.name = `anonymous-${id.slice(0, 8)}`;
  }

  /** Records inbound traffic; returns true when this brought an unresponsive client back. */
  touch(now: number): boolean {
    this.lastActivity = now;
    this.alive = true;
    if (this.status === 'online') return false;
    this.missedPings = 0;
    this.status = 'online';
    return true;
  }

  /** The master's answer to this client's hello. */
  welcome(server: { serverVersion: string; pingIntervalSec: number; maxPayloadBytes: number }): WelcomeFrame {
    return {
      type: 'welcome',
      id: this.id,
      name: this.name,
      role: this.role,
      protocol: PROTOCOL_VERSION,
      serverVersion: server.serverVersion,
      heartbeatIntervalSec: server.pingIntervalSec,
      maxPayloadBytes: server.maxPayloadBytes,
    };
  }

  info(): NodeInfo {
    const info: NodeInfo = {
      id: this.id,
      name: this.name,
      tags: this.tags,
      status: this.status,
      connectedAt: new Date(this.connectedAt).toISOString(),
      lastActivity: new Date(this.lastActivity).toISOString(),
      address: this.address,
      capabilities: this.capabilities,
    };
    if (this.version !== undefined) info.version = this.version;
    return info;
  }
}
