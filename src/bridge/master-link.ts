import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Logger } from '../log/index.js';
import { closeMasterSocket, encodeFrame, isJsonFrame, MasterAddresses, openMasterSocket, parseFrame, type Frame, type MasterUrls } from '../protocol/index.js';
import type { MasterTrust } from '../protocol/master-socket.js';

export interface MasterLinkOptions {
  /** `ws://host:port` or `wss://host:port` of the masters: the first is dialled first, then each in turn after a failed or dropped connection. */
  urls: MasterUrls;
  /** For `wss://`: the CAs (`--ca`) to verify the masters' certificates with, instead of the public ones. */
  trust?: MasterTrust;
  name: string;
  version: string;
  /** Called before every attempt, so a token the master generates later is picked up. */
  token: () => string | undefined;
  /** Where a bridge credential comes from, for the log when the master refuses or revokes it. */
  tokenHint?: string;
  /** Wait between attempts (the seed: 5 s). */
  reconnectMs: number;
  /** Frames kept while the master is away; older ones are dropped past this. */
  maxQueued?: number;
  onFrame: (frame: Frame) => void;
  /** Called on every welcome (first connect and reconnects). */
  onWelcome: () => void;
}

/** Close codes of the master that are about the credential, not the connection. */
const CLOSE_REVOKED = 4001;
const CLOSE_FORBIDDEN = 4003;

/**
 * The bridge's connection to the master: says hello as a bridge, retries every `reconnectMs`
 * whatever went wrong (a bridge outlives master restarts and token fixes), each time with the next
 * of its masters when it has several, and queues frames while the master is away, sending them
 * once one is back. A revoked or forbidden credential is logged as an error once per reason, not
 * at every attempt.
 */
export class MasterLink {
  private ws: WebSocket | undefined;
  private welcomed = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Frame[] = [];
  /** Stable for this process, so a reconnect replaces a stale connection of ours on the master. */
  private readonly instanceId = `bridge-${randomUUID()}`;
  /** The last credential refusal logged as an error (`code reason`), so a repeat is not. */
  private lastRefusal: string | undefined;
  private readonly addresses: MasterAddresses;

  constructor(
    private readonly options: MasterLinkOptions,
    private readonly log: Logger,
  ) {
    this.addresses = new MasterAddresses(options.urls);
  }

  get connected(): boolean {
    return this.welcomed && this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends a frame now, or once the master is back. */
  send(frame: Frame): void {
    if (this.connected && this.ws) {
      this.ws.send(encodeFrame(frame));
      return;
    }
    this.queue.push(frame);
    if (this.queue.length > (this.options.maxQueued ?? 1000)) this.queue.shift();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await closeMasterSocket(this.ws, 'bridge stopping');
  }

  private connect(): void {
    const url = this.addresses.current;
    this.log.debug({ url }, 'connecting to the master');
    const { ws, refusedWith, describeClose } = openMasterSocket(url, this.options.token(), this.options.trust);
    this.ws = ws;
    this.welcomed = false;
    ws.on('open', () => {
      const { name, version } = this.options;
      ws.send(encodeFrame({ type: 'hello', role: 'bridge', name, nodeId: this.instanceId, version, tags: [], protocol: 1, capabilities: { slots: 0, executors: [], chat: false }, runningJobs: [] }));
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data as Buffer);
    });
    ws.on('error', (error) => this.log.debug({ err: error.message }, 'master connection error'));
    ws.on('close', (code, reason) => this.onClose(refusedWith(), code, reason.toString(), describeClose(code, reason.toString())));
  }

  private onMessage(data: Buffer): void {
    if (!isJsonFrame(data)) return;
    const parsed = parseFrame(data.toString('utf8'));
    if (!parsed.ok) {
      this.log.warn({ code: parsed.code, message: parsed.message }, 'skipped a malformed frame from the master');
      return;
    }
    if (parsed.frame.type !== 'welcome') return this.options.onFrame(parsed.frame);
    this.welcomed = true;
    this.lastRefusal = undefined;
    this.log.info({ url: this.addresses.current, name: parsed.frame.name }, `connected to the master at ${this.addresses.current}`);
    const waiting = this.queue.splice(0);
    this.options.onWelcome();
    for (const frame of waiting) this.send(frame);
  }

  private onClose(refused: number | undefined, code: number, reason: string, closed: string): void {
    this.welcomed = false;
    if (this.stopped) return;
    const url = this.addresses.current;
    const retry = { url, next: this.addresses.advance(), retryInMs: this.options.reconnectMs };
    this.timer = setTimeout(() => this.connect(), this.options.reconnectMs);
    const hint = this.options.tokenHint ?? 'Pass --token or set MASTER_BRIDGE_TOKEN.';
    if (code === CLOSE_REVOKED || code === CLOSE_FORBIDDEN) {
      const what = code === CLOSE_REVOKED ? `the master revoked this bridge's credential (${reason || 'credential revoked'})` : `the master refused this bridge (${reason || 'forbidden'})`;
      const key = `${code} ${reason}`;
      if (key === this.lastRefusal) return this.log.debug(retry, `${what}; retrying`);
      this.lastRefusal = key;
      return this.log.error({ ...retry, code }, `${what}. ${hint} Retrying every ${this.options.reconnectMs / 1000} s.`);
    }
    const why = refused === 401 ? `the master refused the token. ${hint}` : closed;
    // With one master the line stays as it always was; with several it says which one and which is next.
    if (!this.addresses.several) return this.log.warn(retry, `master connection lost or refused (${why}); retrying`);
    this.log.warn(retry, `connection to the master at ${url} lost or refused (${why}); trying ${retry.next} next`);
  }
}
