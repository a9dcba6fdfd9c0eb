import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../log/index.js';
import {
  encodeFrame,
  isJsonFrame,
  parseFrame,
  type ErrorCode,
  type Frame,
  type HelloFrame,
  type NodeInfo,
} from '../../protocol/index.js';
import type { PeerPrincipal } from '../auth/index.js';
import type { Store } from '../store/index.js';
import type { BridgeChannel } from './bridge-channel.js';
import { Client } from './client.js';
import { NodeEvents, type NodeListener } from './events.js';
import { Heartbeat } from './heartbeat.js';
import type { HubObserver } from './hub-observer.js';
import type { JobChannel } from './job-channel.js';
import { DEFAULT_SEND_STALL_SEC, Outbox } from './outbox.js';
import { identityRefusal, maySend } from './permissions.js';

export interface HubOptions {
  pingIntervalSec: number;
  maxMissedPings: number;
  maxPayloadBytes: number;
  maxSendBufferBytes: number;
  /** Seconds a socket over `maxSendBufferBytes` may go without draining before it is cut; default 10. */
  sendStallSec?: number | undefined;
  serverVersion: string;
}

/** Close codes the master uses besides the standard ones. */
export const CloseCodes = { goingAway: 1001, replaced: 4000, revoked: 4001, forbidden: 4003, nameTaken: 4009 } as const;

/**
 * The message hub: tracks authenticated connections, relays the seed's plain-text chat between
 * nodes and its bridge envelopes between bridges and nodes, validates every JSON frame, and keeps
 * each node's liveness. Nothing a client sends can throw out of here.
 */
export class Hub {
  private readonly clients = new Map<string, Client>();
  private readonly nodes = new Set<Client>();
  private readonly bridges = new Set<Client>();
  /** Greeted clients by name, per role: names are unique within a role. */
  private readonly named = { node: new Map<string, Client>(), bridge: new Map<string, Client>() };
  private readonly outbox: Outbox;
  private readonly heartbeat: Heartbeat;
  private readonly events: NodeEvents;
  private jobs: JobChannel | undefined;
  private bridgeRequests: BridgeChannel | undefined;
  private observer: HubObserver | undefined;
  /** Told when what `listNodes` lists changed (see `onNodesChanged`); one listener, none alone. */
  private nodesChanged: (() => void) | undefined;

  constructor(
    private readonly options: HubOptions,
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.events = new NodeEvents((error) => log.error({ err: error }, 'node event listener failed'));
    const limits = { maxBufferedBytes: options.maxSendBufferBytes, stallMs: (options.sendStallSec ?? DEFAULT_SEND_STALL_SEC) * 1000 };
    this.outbox = new Outbox(limits, (client, why) => {
      log.warn({ id: client.id, node: client.name, buffered: this.outbox.queuedBytes(client) }, `disconnecting a stalled consumer: ${why}`);
      this.observer?.sendBufferCutoff();
      client.ws.terminate();
    }, () => this.commitStore());
    // A commit that fails elsewhere (the store's own, an HTTP response's, an earlier one still in flight) may have
    // taken writes this turn's frames announce: they never leave.
    store.onCommitFailed(() => this.outbox.dropCorked());
    this.heartbeat = new Heartbeat(options.pingIntervalSec * 1000, options.maxMissedPings, {
      clients: () => this.clients.values(),
      onDead: (client, missed) => {
        log.warn({ id: client.id, node: client.name, missed }, 'client stopped answering pings: disconnecting');
        client.ws.terminate();
      },
      onStatusChange: (client) => this.emitNode('updated', client),
      afterRound: () => {
        for (const node of this.nodes) if (node.greeted) this.recordSeen(node);
        this.nodesChanged?.();
      },
    });
    this.heartbeat.start();
  }

  /** The outbox's `beforeFlush`: true once the turn's writes are durable, false when they are lost. */
  private commitStore(): boolean | Promise<boolean> {
    try {
      const commit = this.store.commit();
      return commit === undefined ? true : commit.then(() => true, (error: unknown) => this.commitFailed(error));
    } catch (error) {
      return this.commitFailed(error);
    }
  }

  private commitFailed(error: unknown): false {
    this.log.error({ err: error }, 'the store could not commit: dropping the connections that were about to hear of it');
    return false;
  }

  /** Takes over an upgraded connection, authenticated as `principal`: its role is the credential's. */
  accept(ws: WebSocket, socket: Duplex, address: string, principal: PeerPrincipal): void {
    const client = new Client(randomUUID(), ws, socket, address, principal);
    this.clients.set(client.id, client);
    (client.role === 'node' ? this.nodes : this.bridges).add(client);
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('pong', () => this.markAlive(client));
    ws.on('error', (error) => this.log.warn({ id: client.id, node: client.name, err: error.message }, 'protocol error on connection'));
    ws.on('close', (code, reason) => this.onClose(client, code, reason.toString()));
    this.log.info({ id: client.id, address, role: client.role, credential: principal.machine }, 'client connected');
    if (client.role === 'node') this.emitNode('connected', client);
  }

  /** Closes every connection of a revoked per-machine credential, at once. */
  dropCredential(machine: string): void {
    for (const client of [...this.clients.values()]) {
      if (client.principal.machine !== machine) continue;
      this.log.warn({ id: client.id, node: client.name, credential: machine }, 'credential revoked: disconnecting');
      client.ws.close(CloseCodes.revoked, 'credential revoked');
      // Forgotten now, not when the peer finishes the close handshake: it holds no credential any more.
      this.onClose(client, CloseCodes.revoked, 'credential revoked');
    }
  }

  /** Connected nodes (bridges are not nodes). */
  listNodes(): NodeInfo[] {
    return [...this.nodes].map((c) => c.info());
  }

  /** Sends plain text to every node, as if a node had said it. Returns how many it reached. */
  broadcast(text: string): number {
    return this.outbox.relay(Buffer.from(text, 'utf8'), this.nodes);
  }

  /** Connects the job layer; nodes that are already connected are announced to it at once. */
  attachJobs(jobs: JobChannel): void {
    this.jobs = jobs;
    for (const node of this.named.node.values()) jobs.nodeReady({ ...node, runningJobs: [] });
  }

  /** Connects the bridge layer (jobs and status for chat bridges); greeted bridges are announced to it at once. */
  attachBridges(channel: BridgeChannel): void {
    this.bridgeRequests = channel;
    for (const bridge of this.named.bridge.values()) channel.bridgeReady(bridge);
  }

  /** Sends a frame to one connection (the bridge layer answers through this). */
  sendTo(client: Client, frame: Frame): void {
    this.send(client, frame);
  }

  /** Sends a frame to the greeted node with this name. Returns false when it is not connected. */
  sendToNode(name: string, frame: Frame): boolean {
    const node = this.named.node.get(name);
    return node !== undefined && this.outbox.relay(Buffer.from(encodeFrame(frame), 'utf8'), [node]) === 1;
  }

  /** Bytes queued for the named node and not yet taken by the kernel (undefined: not connected): large sends pace themselves by it. */
  backlogOf(name: string): number | undefined {
    const node = this.named.node.get(name);
    return node && this.outbox.queuedBytes(node);
  }

  onNodeEvent(listener: NodeListener): () => void {
    return this.events.subscribe(listener);
  }

  /**
   * Connects the one listener of changes to the node list: a node came, said hello, changed its
   * status or went, and after every heartbeat round (their activity moved on). It is told, not
   * given the list: it reads `listNodes` when it needs to (the fleet's publisher, at most every
   * 100 ms), so a connect storm costs it nothing per node.
   */
  onNodesChanged(listener: () => void): void {
    this.nodesChanged = listener;
  }

  /** Connects the one observer of what the hub handles on its own (the metrics). */
  observe(observer: HubObserver): void {
    this.observer = observer;
  }

  /** Closes every connection with 1001 and waits (briefly) for them to go. */
  async close(timeoutMs = 2000): Promise<void> {
    this.heartbeat.stop();
    this.outbox.stop();
    const closing = [...this.clients.values()].map(
      (client) =>
        new Promise<void>((resolve) => {
          client.ws.once('close', () => resolve());
          client.ws.close(CloseCodes.goingAway, 'master shutting down');
        }),
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.all(closing), timer]);
    for (const client of this.clients.values()) client.ws.terminate();
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    this.markAlive(client);
    const buffer = data as Buffer;
    if (isBinary) return this.sendError(client, 'invalid_frame', 'binary frames are not supported: send text');
    if (!isJsonFrame(buffer)) {
      this.outbox.relay(buffer, this.nodes, client);
      return;
    }
    const parsed = parseFrame(buffer.toString('utf8'));
    if (!parsed.ok) return this.sendError(client, parsed.code, parsed.message, parsed.ref);
    if (!maySend(client.principal.role, parsed.frame.type)) {
      const other = client.principal.role === 'node' ? 'bridge' : 'node';
      return this.sendError(client, 'forbidden', `${parsed.frame.type} frames need a ${other} credential; this connection holds a ${client.principal.role} credential`, parsed.frame.type);
    }
    this.dispatch(client, parsed.frame, buffer);
  }

  private dispatch(client: Client, frame: Frame, raw: Buffer): void {
    switch (frame.type) {
      case 'hello':
        return this.onHello(client, frame);
      case 'chat': {
        const stamped = encodeFrame({ ...frame, from: { id: client.id, name: client.name } });
        this.outbox.relay(Buffer.from(stamped, 'utf8'), this.nodes, client);
        return;
      }
      case 'command':
        this.outbox.relay(raw, this.nodes, client);
        return;
      case 'response':
        if (this.outbox.relay(raw, this.bridges, client) === 0) this.log.warn({ from: client.id, node: client.name }, 'response dropped: no bridge connected');
        return;
      case 'error':
        this.log.warn({ id: client.id, node: client.name, code: frame.code, message: frame.message }, 'client reported an error');
        return;
      case 'chat_error':
        this.log.debug({ id: client.id, bridge: client.name, platform: frame.platform, code: frame.code }, 'a bridge reported a chat platform error');
        this.observer?.chatError(frame.platform, frame.code);
        return;
      case 'job_events':
      case 'job_published':
        if (client.role !== 'node' || !client.greeted) {
          return this.sendError(client, 'unexpected_frame', `${frame.type} frames come from nodes that said hello`, frame.type);
        }
        if (frame.type === 'job_events') this.jobs?.jobEvents(client.name, frame);
        else this.jobs?.jobPublished(client.name, frame);
        return;
      case 'job_submit':
      case 'job_cancel_request':
      case 'status_request':
      case 'job_follow':
      case 'job_publish_request':
      case 'question_answer':
      case 'attachment_upload':
      case 'usage_request':
        if (!this.bridgeRequests) return this.sendError(client, 'internal', 'this master does not serve bridge requests', frame.type);
        return this.bridgeRequests.request(client, frame);
      default:
        return this.sendError(client, 'unexpected_frame', `${frame.type} frames are sent by the master, not to it`, frame.type);
    }
  }

  private onHello(client: Client, hello: HelloFrame): void {
    if (client.greeted) return this.sendError(client, 'unexpected_frame', 'hello was already received on this connection', 'hello');
    const refusal = identityRefusal(client.principal, hello);
    if (refusal !== undefined) {
      this.log.warn({ id: client.id, role: hello.role, name: hello.name, credential: client.principal.machine }, `refused hello: ${refusal}`);
      this.sendError(client, 'forbidden', refusal, 'hello');
      client.ws.close(CloseCodes.forbidden, `forbidden: ${refusal}`.slice(0, 120));
      return;
    }
    // A per-machine credential names its connection: it cannot pose as another node or bridge.
    const name = client.principal.machine ?? hello.name;
    const holder = this.named[hello.role].get(name);
    if (holder && holder !== client) {
      if (hello.nodeId === undefined || holder.nodeId !== hello.nodeId) {
        this.sendError(client, 'name_taken', `a ${hello.role} named "${name}" is already connected; choose another name`, 'hello');
        client.ws.close(CloseCodes.nameTaken, 'name taken');
        return;
      }
      this.log.info({ node: name, stale: holder.id }, 'node reconnected: replacing its stale connection');
      holder.ws.close(CloseCodes.replaced, 'replaced by a newer connection of the same node');
      // A stale peer may never finish the close handshake: forget it now, not when ws gives up.
      this.onClose(holder, CloseCodes.replaced, 'replaced by a newer connection of the same node');
    }
    this.identify(client, hello, name);
    this.send(client, client.welcome(this.options));
    if (client.role === 'node') this.jobs?.nodeReady({ ...client, runningJobs: hello.runningJobs });
    else this.bridgeRequests?.bridgeReady(client);
  }

  private identify(client: Client, hello: HelloFrame, name: string): void {
    Object.assign(client, {
      greeted: true,
      name,
      nodeId: hello.nodeId,
      tags: hello.tags,
      version: hello.version,
      capabilities: hello.capabilities,
    });
    this.named[client.role].set(client.name, client);
    if (client.role === 'node') {
      this.recordSeen(client);
      this.emitNode('updated', client);
    }
    this.log.info({ id: client.id, role: client.role, node: client.name, tags: client.tags, version: client.version }, 'client identified');
  }

  private send(client: Client, frame: Frame): void {
    this.outbox.relay(Buffer.from(encodeFrame(frame), 'utf8'), [client]);
  }

  private sendError(client: Client, code: ErrorCode, message: string, ref?: string): void {
    this.log.debug({ id: client.id, code, message }, 'rejected frame');
    this.send(client, ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref });
  }

  private markAlive(client: Client): void {
    if (client.touch(Date.now())) this.emitNode('updated', client);
  }

  private onClose(client: Client, code: number, reason: string): void {
    if (!this.clients.delete(client.id)) return;
    const wasNode = this.nodes.delete(client);
    this.bridges.delete(client);
    if (client.greeted && this.named[client.role].get(client.name) === client) {
      this.named[client.role].delete(client.name);
      if (client.role === 'node') this.jobs?.nodeGone(client.name);
      else this.bridgeRequests?.bridgeGone(client);
    }
    if (wasNode && client.greeted) this.recordSeen(client);
    this.log.info({ id: client.id, node: client.name, role: client.role, code, reason, connectedMs: Date.now() - client.connectedAt }, 'client disconnected');
    if (wasNode) this.emitNode('disconnected', client);
  }

  private recordSeen(client: Client): void {
    const at = new Date(client.lastActivity).toISOString();
    this.store.recordNodeSeen({ name: client.name, nodeId: client.nodeId, tags: client.tags, version: client.version, address: client.address, at });
  }

  private emitNode(event: 'connected' | 'updated' | 'disconnected', client: Client): void {
    this.nodesChanged?.();
    // Connect storms reach thousands a second: build the status only when someone wants it.
    if (!this.events.hasListeners && this.bridges.size === 0) return;
    const frame = { type: 'node_status', event, node: client.info() } as const;
    this.events.emit(frame);
    if (this.bridges.size > 0) this.outbox.relay(Buffer.from(encodeFrame(frame), 'utf8'), this.bridges);
  }
}

