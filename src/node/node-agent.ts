import { WebSocket } from 'ws';
import type { Logger } from '../log/index.js';
import {
  closeMasterSocket,
  encodeFrame,
  isJsonFrame,
  MasterAddresses,
  openMasterSocket,
  parseFrame,
  type Capabilities,
  type Frame,
  type MasterUrls,
  type WelcomeFrame,
} from '../protocol/index.js';
import type { MasterTrust } from '../protocol/master-socket.js';
import { Backoff } from './backoff.js';

/** Something the master sent that the node's user may want to see. */
export type AgentMessage = { kind: 'text'; text: string } | { kind: 'frame'; frame: Frame };

/** Why the agent gave up instead of reconnecting: retrying could not help. */
export class NodeAgentError extends Error {
  override readonly name = 'NodeAgentError';

  constructor(
    readonly code: 'unauthorized' | 'revoked' | 'forbidden' | 'name_taken' | 'replaced',
    message: string,
  ) {
    super(message);
  }
}

export interface NodeAgentOptions {
  /** `ws://host:port` or `wss://host:port` of the masters: the first is dialled first, then each in turn after a failed or dropped connection. */
  urls: MasterUrls;
  /** For `wss://`: the CAs (`--ca`) to verify the masters' certificates with, instead of the public ones. */
  trust?: MasterTrust;
  name: string;
  nodeId: string;
  tags: string[];
  version: string;
  capabilities: Capabilities;
  /** Called before every attempt, so a token the master generates later is picked up. */
  token: () => string | undefined;
  /** Describes where a token would come from, for the error when the master refuses it. */
  tokenHint: string;
  onMessage?: (message: AgentMessage) => void;
  /** Jobs still running here, announced in every hello so a reconnect keeps them. */
  runningJobs?: () => number[];
  /** Called when the master has welcomed this node (on every reconnect too), with its limits. */
  onWelcome?: (welcome: WelcomeFrame) => void;
  onFatal?: (error: NodeAgentError) => void;
  backoff?: Backoff;
}

const CLOSE_NAME_TAKEN = 4009;
const CLOSE_REPLACED = 4000;
/** The master revoked the credential this connection presented (`csc token revoke`). */
const CLOSE_REVOKED = 4001;
/** The credential may not do what this client asked (the reason says what). */
const CLOSE_FORBIDDEN = 4003;

/**
 * A node's connection to the master: identifies itself, answers pings (ws does so by itself),
 * and reconnects with capped, jittered backoff whenever the master goes away, to the next of
 * its masters when it has several. A reconnect elsewhere is the same `hello` with the running jobs.
 */
export class NodeAgent {
  private ws: WebSocket | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly addresses: MasterAddresses;
  private welcomed = false;

  constructor(
    private readonly options: NodeAgentOptions,
    private readonly log: Logger,
  ) {
    this.backoff = options.backoff ?? new Backoff();
    this.addresses = new MasterAddresses(options.urls);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Whether the master has welcomed this node on the current connection. */
  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.welcomed;
  }

  /** Sends a line of the seed's plain-text chat. Returns false when not connected. */
  sendText(text: string): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Sends a protocol frame. Returns false when not connected (the caller keeps it for later). */
  sendFrame(frame: Frame): boolean {
    if (!this.connected || !this.ws) return false;
    return this.sendEncoded(encodeFrame(frame));
  }

  /** Sends a frame already encoded (job events are encoded once, then sent and resent). */
  sendEncoded(text: string): boolean {
    if (!this.connected || !this.ws) return false;
    this.ws.send(text);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await closeMasterSocket(this.ws, 'node stopping');
  }

  private connect(): void {
    const token = this.options.token();
    const url = this.addresses.current;
    this.log.debug({ url }, 'connecting to master');
    const { ws, refusedWith, describeClose } = openMasterSocket(url, token, this.options.trust);
    this.ws = ws;
    this.welcomed = false;
    ws.on('open', () => ws.send(encodeFrame(this.hello())));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data as Buffer);
    });
    ws.on('error', (error) => this.log.debug({ err: error.message }, 'connection error'));
    ws.on('close', (code, reason) => this.onClose(token, refusedWith(), code, reason.toString(), describeClose(code, reason.toString())));
  }

  private hello(): Frame {
    const { name, nodeId, tags, version, capabilities } = this.options;
    const runningJobs = this.options.runningJobs?.() ?? [];
    return { type: 'hello', role: 'node', name, nodeId, tags, version, protocol: 1, capabilities, runningJobs };
  }

  private onMessage(data: Buffer): void {
    if (!isJsonFrame(data)) return this.options.onMessage?.({ kind: 'text', text: data.toString('utf8') });
    const parsed = parseFrame(data.toString('utf8'));
    if (!parsed.ok) {
      this.log.warn({ code: parsed.code, message: parsed.message }, 'ignored a frame from the master');
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'welcome') {
      this.welcomed = true;
      this.backoff.reset();
      this.log.info({ url: this.addresses.current, node: frame.name, id: frame.id, serverVersion: frame.serverVersion }, `connected to master ${this.addresses.current}`);
      this.options.onWelcome?.(frame);
      return;
    }
    if (frame.type === 'error') this.log.warn({ code: frame.code, message: frame.message }, 'master reported an error');
    this.options.onMessage?.({ kind: 'frame', frame });
  }

  private onClose(token: string | undefined, refused: number | undefined, code: number, reason: string, why: string): void {
    if (this.stopped) return;
    const fatal = this.fatalFor(token, refused, code, reason);
    if (fatal) {
      this.stopped = true;
      this.log.error({ code: fatal.code }, fatal.message);
      this.options.onFatal?.(fatal);
      return;
    }
    const delay = this.backoff.next();
    const url = this.addresses.current;
    const next = this.addresses.advance();
    // With one master the line stays as it always was; with several it says which one and which is next.
    const where = this.addresses.several ? ` at ${url}` : '';
    const retry = this.addresses.several ? `trying ${next} next` : 'retrying';
    this.log.warn({ url, next, retryInMs: delay }, `${this.welcomed ? 'lost the master' : 'cannot reach the master'}${where} (${why}); ${retry}`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private fatalFor(token: string | undefined, refused: number | undefined, code: number, reason: string): NodeAgentError | undefined {
    if (refused === 401) {
      const what = token === undefined ? 'no token was found' : 'the token was refused';
      return new NodeAgentError('unauthorized', `the master refused this node: ${what}. ${this.options.tokenHint}`);
    }
    // Retrying with the same credential cannot help: only a person with a new one can.
    if (code === CLOSE_REVOKED) {
      return new NodeAgentError('revoked', `the master revoked this node's credential (${reason || 'credential revoked'}). ${this.options.tokenHint}`);
    }
    if (code === CLOSE_FORBIDDEN) {
      return new NodeAgentError('forbidden', `the master refused this node (${reason || 'forbidden'}). ${this.options.tokenHint}`);
    }
    if (code === CLOSE_NAME_TAKEN) {
      return new NodeAgentError('name_taken', `another node named "${this.options.name}" is connected to the master; start this one with --name <other>`);
    }
    if (code === CLOSE_REPLACED) {
      return new NodeAgentError('replaced', `another process connected as node "${this.options.name}" with this node's id; only one may run`);
    }
    return undefined;
  }
}
