import { renewSession } from '../auth/session';

/** Whether a live stream is delivering: `connecting` before the first open, `offline` while retrying. */
export type StreamState = 'connecting' | 'live' | 'offline';

export interface StreamOptions {
  /** Built anew for each connection, so a reconnect can resume where the last one stopped. */
  url: () => string;
  listeners: Record<string, (data: unknown) => void>;
  onState: (state: StreamState) => void;
}

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15_000;

/**
 * An `EventSource` that never gives up. The browser retries a dropped connection by itself, but
 * stops for good after a refused one (an error status, a proxy with the master down); then this
 * renews the session and opens a new one after a capped, jittered delay. Returns a function that
 * closes it.
 */
export function openStream({ url, listeners, onState }: StreamOptions): () => void {
  let source: EventSource | undefined;
  let timer: number | undefined;
  let delay = MIN_DELAY_MS;
  let closed = false;

  const connect = (): void => {
    timer = undefined;
    source = new EventSource(url());
    source.addEventListener('open', () => {
      delay = MIN_DELAY_MS;
      onState('live');
    });
    source.addEventListener('error', () => {
      onState('offline');
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      const wait = delay * (0.5 + Math.random() / 2);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      // The browser does not say why it was refused; an expired or unknown session cookie is one
      // reason, so renew it first (a refused token signs out, which closes this stream).
      void renewSession().then(() => {
        if (!closed) timer = window.setTimeout(connect, wait);
      });
    });
    for (const [name, listener] of Object.entries(listeners)) {
      source.addEventListener(name, (event) => listener(JSON.parse((event as MessageEvent<string>).data)));
    }
  };

  connect();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    source?.close();
  };
}
