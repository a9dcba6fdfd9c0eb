import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Logger } from '../log/index.js';
import { closeMasterSocket, encodeFrame, isJsonFrame, openMasterSocket, parseFrame, type Frame } from '../protocol/index.js';

export interface MasterLinkOptions {
  /** `ws://host:port` of the master. */
  url: string;
  name: string;
  version: string;
  /** Called before every attempt, so a token the master generates later is picked up. */
  token: () => string | undefined;
  /** Wait between attempts (the seed: 5 s). */
  reconnectMs: number;
  /** Frames kept while the master is away; older ones are dropped past this. */
  maxQueued?: number;
  onFrame: (frame: Frame) => void;
  /** Called on every welcome (first connect and reconnects). */
  onWelcome: () => void;
}

/**
 * The bridge's connection to the master: says hello as a bridge, retries every `reconnectMs`
 * whatever went wrong (a bridge outlives master restarts and token fixes), and queues frames
 * while the master is away, sending them once it is back.
 */
export class MasterLink {
  private ws: WebSocket | undefined;
  private welcomed = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Frame[] = [];
  /** Stable for this process, so a reconnect replaces a stale connection of ours on the master. */
  private readonly instanceId = `bridge-${randomUUID()}`;

  constructor(
    private readonly options: MasterLinkOptions,
    private readonly log: Logger,
  ) {}

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
    const { ws, refusedWith, describeClose } = openMasterSocket(this.options.url, this.options.token());
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
    ws.on('close', (code, reason) => this.onClose(refusedWith(), describeClose(code, reason.toString())));
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
    this.log.info({ url: this.options.url, name: parsed.frame.name }, 'connected to the master');
    const waiting = this.queue.splice(0);
    this.options.onWelcome();
    for (const frame of waiting) this.send(frame);
  }

  private onClose(refused: number | undefined, closed: string): void {
    this.welcomed = false;
    if (this.stopped) return;
    const why = refused === 401 ? 'the master refused the token (set MASTER_TOKEN or --token)' : closed;
    this.log.warn({ url: this.options.url, retryInMs: this.options.reconnectMs }, `master connection lost or refused (${why}); retrying`);
    this.timer = setTimeout(() => this.connect(), this.options.reconnectMs);
  }
}
