import { defaultDataDir } from '../config/index.js';
import type { Master } from './master.js';
import { describeStore, type Store } from './store/index.js';

/** The address a person should type: a wildcard bind is reachable on loopback from this host. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * What the master prints at start: how to open the dashboard and how nodes connect. The secrets
 * themselves appear only on an interactive terminal (like Jupyter's login link); elsewhere stdout
 * usually ends up in a log, so the banner points at the 0600 files instead.
 */
export function formatBanner(
  master: Pick<Master, 'ws' | 'http' | 'nodeToken' | 'bridgeToken' | 'adminToken'> & Partial<Pick<Master, 'tls'>> & { store?: Pick<Store, 'identity'> },
  dataDir: string,
  isTty: boolean,
): string {
  const tls = master.tls === true;
  const httpBase = `${tls ? 'https' : 'http'}://${reachableHost(master.http.host)}:${master.http.port}`;
  // The fragment never leaves the browser: the token is not sent to the server nor kept in its logs.
  const login = isTty ? `${httpBase}/#token=${master.adminToken.value}` : `${httpBase}/  (admin token: ${describe(master.adminToken)})`;
  const nodeHost = reachableHost(master.ws.host);
  const dataDirFlag = master.nodeToken.origin === 'configured' || dataDir === defaultDataDir() ? '' : ` --data-dir ${dataDir}`;
  const wsUrl = `${tls ? 'wss' : 'ws'}://${nodeHost}:${master.ws.port}`;
  const connect = tls ? `--master ${wsUrl} --ca CA.pem` : `--host ${nodeHost} --port ${master.ws.port}`;
  const lines = [
    '',
    'Codex Super Client master is running.',
    '',
    `  Dashboard:  ${login}`,
    `  Nodes:      ${wsUrl}  (node token: ${describe(master.nodeToken)})`,
    `  Bridges:    ${wsUrl}  (bridge token: ${describe(master.bridgeToken)})`,
    ...(master.store === undefined ? [] : [`  Store:      ${describeStore(master.store.identity)}`]),
    '',
    'Connect a node on this host (it finds the token by itself when it uses the same data dir):',
    `  npx csc node ${connect}${dataDirFlag}`,
    ...(tls ? ["(--ca: the CA that signed the master's certificate, or the certificate itself when self-signed; not needed for a public CA)"] : []),
    'From another machine, pass the token with --token or MASTER_TOKEN, or make one for that machine:',
    '  npx csc token create --role node --name NAME',
    '',
  ];
  return lines.join('\n');
}

function describe(secret: Master['nodeToken']): string {
  if (secret.origin === 'configured') return 'from your configuration';
  return `${secret.origin === 'generated' ? 'generated and stored' : 'stored'} in ${secret.path}`;
}
