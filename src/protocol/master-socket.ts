import { WebSocket } from 'ws';

/** How a client trusts a `wss://` master beyond the system's public CAs. */
export interface MasterTrust {
  /** PEM CA certificates (`--ca`); like Node's `ca`, they replace the public CAs. */
  ca: (string | Buffer)[];
  /** The name the certificate must carry, when it differs from the host dialled (the local node dials loopback). */
  servername?: string;
}

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
 * Compression stays off: the master never negotiates it. For `wss://` the certificate is verified
 * (against `trust` when given) before the token is sent.
 */
export function openMasterSocket(url: string, token: string | undefined, trust?: MasterTrust): MasterSocket {
  const ws = new WebSocket(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    handshakeTimeout: 10_000,
    ...(trust === undefined ? {} : { ca: trust.ca }),
    ...(trust?.servername === undefined ? {} : { servername: trust.servername }),
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
    if (failure) return describeTransportError(failure, url);
    return reason || `code ${code}`;
  };
  return { ws, refusedWith: () => refused, describeClose };
}

/** Certificate checks that fail because the client does not trust who signed the master's certificate. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * A network or TLS failure said so that a person knows what to change: an untrusted or misnamed
 * certificate, or a scheme that does not match what the master serves. Shared by the HTTP client.
 */
export function describeTransportError(error: NodeJS.ErrnoException, url: string): string {
  const code = error.code ?? '';
  if (UNTRUSTED.has(code)) {
    return `the master's certificate is not trusted (${error.message}): pass --ca FILE (MASTER_CA_FILE) with the CA that signed it, or with the certificate itself when it is self-signed`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the master's certificate does not name the host in ${url} (${error.message}): connect by a name the certificate lists`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the master's certificate is not valid now (${error.message})`;
  const secure = url.startsWith('wss:') || url.startsWith('https:');
  // A plain server answers a TLS hello with an HTTP error (wrong version number) or hangs up.
  if (secure && (code === 'EPROTO' || code === 'ECONNRESET' || /wrong version number/.test(error.message))) {
    return `${url} does not answer in TLS (${error.message}): a master without --tls-cert is reached with ${url.startsWith('wss:') ? 'ws://' : 'http://'}`;
  }
  if (!secure && (code === 'ECONNRESET' || error.message === 'socket hang up')) {
    return `${error.message} at ${url}: if the master serves TLS (--tls-cert), connect with ${url.startsWith('ws:') ? 'wss://' : 'https://'}`;
  }
  return error.message;
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
