import type { Client } from './client.js';

export interface HeartbeatHooks {
  clients(): Iterable<Client>;
  /** A client missed too many pings in a row. */
  onDead(client: Client, missed: number): void;
  onStatusChange(client: Client): void;
  /** Runs after each round, e.g. to record that the live nodes were seen. */
  afterRound(): void;
}

/**
 * One timer for all connections (not one per socket, which would cost thousands of timers):
 * each round marks clients that sent nothing since the last round as having missed a ping,
 * then pings everyone. Any inbound frame or pong counts as an answer.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly maxMissed: number,
    private readonly hooks: HeartbeatHooks,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.round(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private round(): void {
    for (const client of this.hooks.clients()) {
      client.missedPings = client.alive ? 0 : client.missedPings + 1;
      client.alive = false;
      if (client.missedPings >= this.maxMissed) {
        this.hooks.onDead(client, client.missedPings);
        continue;
      }
      const status = client.missedPings > 0 ? 'unresponsive' : 'online';
      if (status !== client.status) {
        client.status = status;
        this.hooks.onStatusChange(client);
      }
      client.ws.ping();
    }
    this.hooks.afterRound();
  }
}
