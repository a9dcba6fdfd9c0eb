/**
 * What the hub tells whoever watches it (the metrics): events it handles itself and keeps no
 * count of. Every method is called on the hub's path, so each must be cheap and must not throw.
 */
export interface HubObserver {
  /** A socket was cut for reading too slowly (`MASTER_MAX_SEND_BUFFER`, see `Outbox`). */
  sendBufferCutoff(): void;
  /** A bridge reported a failed call to its chat platform (`chat_error`). */
  chatError(platform: 'slack' | 'telegram', code: string): void;
}
