import { isIPv4 } from 'node:net';

/** Whether a bind address keeps a port on this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(v4) && v4.startsWith('127.');
}

/**
 * The start-up warning of a master that serves plain ws/http beyond loopback, or undefined when it
 * serves TLS or stays on this machine. It says what an eavesdropper on the network would read and
 * how to stop that, since the defaults cannot: only the operator has a certificate.
 */
export function clearTextWarning(binds: { host: string; httpHost: string; tls: boolean }): string | undefined {
  if (binds.tls) return undefined;
  const exposed = [
    ...(isLoopback(binds.host) ? [] : [`the WebSocket port on ${binds.host}`]),
    ...(isLoopback(binds.httpHost) ? [] : [`the HTTP port on ${binds.httpHost}`]),
  ];
  if (exposed.length === 0) return undefined;
  return (
    `${exposed.join(' and ')} ${exposed.length > 1 ? 'are' : 'is'} reachable beyond this machine without TLS, so these travel in clear text: ` +
    'the node and bridge tokens (on every connect), the admin token (on every API call, and in the login link), ' +
    "job prompts, logs and diffs, and the chat platforms' tokens that bridges receive. " +
    'Serve TLS with --tls-cert FILE --tls-key FILE (MASTER_TLS_CERT, MASTER_TLS_KEY), ' +
    'or bind to 127.0.0.1 behind a TLS reverse proxy (README: TLS).'
  );
}
