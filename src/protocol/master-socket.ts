import { WebSocket } from 'ws';

/** A client's connection to the master, and the HTTP status if the master refused the upgrade. */
export interface MasterSocket {
  ws: WebSocket;
  /** Set when the master answered the upgrade with an HTTP status (401: wrong token). */
  refusedWith: () => number | undefined;
  /** Why the connection closed, for a person: the HTTP refusal, the network error, or the close reason. */
  describeClose: (code: number, reason: string) => string;
}

/**
 * Opens a connection to the master's WebSocket port with `token` as a bearer token. A refused
 * upgrade goes through ws's usual error → close path, so the `close` handler sees `refusedWith()`.
 * Compression stays off: the master never negotiates it.
 */
export function openMasterSocket(url: string, token: string | undefined): MasterSocket {
  const ws = new WebSocket(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    handshakeTimeout: 10_000,
  });
  let refused: number | undefined;
  let failure: NodeJS.ErrnoException | undefined;
  ws.on('unexpected-response', (req, res) => {
    refused = res.statusCode;
    req.destroy(new Error(`master answered HTTP ${res.statusCode}`));
  });
  ws.on('error', (error: NodeJS.ErrnoException) => (failure = error));
  const describeClose = (code: number, reason: string): string => {
    if (refused !== undefined) return `HTTP ${refused}`;
    if (failure?.code === 'ECONNREFUSED') return `nothing listens at ${url}: is the master running?`;
    if (failure) return failure.message;
    return reason || `code ${code}`;
  };
  return { ws, refusedWith: () => refused, describeClose };
}

/** Closes with 1000 and `reason`, waiting for the close handshake (at most 2 s, then cut). */
export async function closeMasterSocket(ws: WebSocket | undefined, reason: string): Promise<void> {
  if (!ws || ws.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000, reason);
    setTimeout(() => ws.terminate(), 2000).unref();
  });
}
