import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Environment, NodeConfig } from '../config/index.js';
import { resolveNodeConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Master } from '../master/index.js';
import { chooseExecutor, createWorker, type ChosenExecutor } from './node-runtime.js';

/** A node in the master's own process, so one machine runs jobs right after install. */
export interface LocalNode {
  /** One line for the start-up banner: which Codex it runs, or what to install. */
  summary: string;
  stop(): Promise<void>;
}

/**
 * Starts the local node. It connects over `wss://` to a master that serves TLS, trusting
 * `tlsCert` (the master's own certificate) besides the public CAs.
 */
export async function startLocalNode(master: Master, dataDir: string, env: Environment, log: Logger, tlsCert?: Buffer): Promise<LocalNode> {
  const host = master.ws.host === '0.0.0.0' || master.ws.host === '::' ? '127.0.0.1' : master.ws.host;
  const address = `${host.includes(':') ? `[${host}]` : host}:${master.ws.port}`;
  // Always `--master`: a MASTER_URL in the environment (meant for other nodes) must not send it elsewhere.
  const flags = { master: `${master.tls ? 'wss' : 'ws'}://${address}`, host, port: String(master.ws.port), token: master.nodeToken.value, dataDir };
  const resolved = resolveNodeConfig(flags, env, false);
  const config: NodeConfig = master.tls && tlsCert !== undefined ? { ...resolved, trust: ownCertificateTrust(tlsCert, host, resolved) } : resolved;
  const [node, codex] = await Promise.all([import('../node/index.js'), import('../codex/index.js')]);
  const nodeLog = log.child({ localNode: true });
  const chosen = await chooseExecutor(node, config, nodeLog);
  const { agent } = createWorker(node, config, nodeLog, chosen, (message) => nodeLog.debug({ kind: message.kind }, 'message for the local node'));
  agent.start();
  const command = config.codex.command ?? codex.defaultCodexCommand();
  const summary = chosen.executor
    ? `Local node: "${config.name}" runs jobs with Codex ${chosen.codexVersion ?? '?'} (${command}) in ${config.workdir}`
    : `Local node: "${config.name}" cannot start Codex (${command}): ${startProblem(chosen)} Until a node with Codex connects, jobs wait in the queue.`;
  return {
    summary,
    stop: async () => {
      await agent.stop();
      await chosen.close?.();
    },
  };
}

/** Why the local node has no Codex, in plain words, with what to do. */
function startProblem({ startFailure }: ChosenExecutor): string {
  return startFailure ? `${startFailure.summary}. ${startFailure.hint}` : 'see the log above.';
}

/**
 * How the local node trusts its own master: the certificate itself (self-signed), the public CAs
 * (a certificate a public CA signed, whose file may hold the chain without the root), and
 * MASTER_CA_FILE when set (a private CA). The node dials loopback, which a certificate for a
 * public name does not list, so it checks the certificate against a name the certificate holds.
 */
function ownCertificateTrust(cert: Buffer, host: string, config: NodeConfig): NonNullable<NodeConfig['trust']> {
  const ca = [cert, ...(config.trust?.ca ?? []), ...rootCertificates];
  const x509 = new X509Certificate(cert);
  const listed = isIP(host) === 0 ? x509.checkHost(host) : x509.checkIP(host);
  if (listed !== undefined) return { ca };
  const dnsName = /(?:^|,\s*)DNS:([^,\s]+)/.exec(x509.subjectAltName ?? '')?.[1] ?? /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
  // A wildcard name is checked with one name it covers.
  return dnsName === undefined ? { ca } : { ca, servername: dnsName.replace(/^\*\./, 'local.') };
}
