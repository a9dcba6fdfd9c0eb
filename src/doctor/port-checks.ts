import type { LocalMasterPorts } from '../config/index.js';
import { ok, skip, warn, type CheckResult } from './check.js';
import { httpRequestText, parseJson, type HttpAnswer } from './probe.js';

/** What the master's WebSocket port says to a plain HTTP request (see ws-server.ts). */
const WS_PORT_ANSWER = 'this port speaks WebSocket';

interface PortProbe {
  id: 'ports.ws' | 'ports.http';
  what: string;
  host: string;
  port: number;
  setting: string;
  path: string;
  ours: (answer: HttpAnswer) => boolean;
}

function isOurHealth(answer: HttpAnswer): boolean {
  const body = parseJson(answer.body) as { status?: unknown; version?: unknown } | undefined;
  return answer.status === 200 && typeof body?.status === 'string' && typeof body.version === 'string';
}

/** A wildcard bind is reached on loopback; an IPv6 literal needs brackets in a URL. */
function urlHost(host: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

async function probePort(probe: PortProbe, tls: boolean): Promise<CheckResult> {
  const where = `${probe.what} port ${probe.port} on ${probe.host}`;
  const url = `${tls ? 'https' : 'http'}://${urlHost(probe.host)}:${probe.port}${probe.path}`;
  let answer: HttpAnswer;
  try {
    // Only to identify the listener: no credential is sent, so any certificate will do.
    answer = await httpRequestText(url, { insecure: true, timeoutMs: 3_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return ok(probe.id, `the ${where} is free (no master runs here now)`);
    const what = code === 'ETIMEDOUT' ? 'something that does not answer' : `something that does not speak HTTP like a csc master (${(error as Error).message})`;
    return warn(probe.id, `the ${where} is in use by ${what}`, `stop that program, or move the master to a free port with ${probe.setting}`);
  }
  if (probe.ours(answer)) return ok(probe.id, `the ${where} is the csc master's`);
  return warn(probe.id, `the ${where} is in use by something that is not a csc master (it answered HTTP ${answer.status})`, `stop that program, or move the master to a free port with ${probe.setting}`);
}

/** The master's ports on this host: free, or held by a csc master, or taken by something else (a warning). */
export async function checkPorts(local: LocalMasterPorts | undefined): Promise<CheckResult[]> {
  if (local === undefined) return [skip('ports', 'not checked: no master is set up on this host (no master.db in the data dir, no MASTER_HOST/MASTER_PORT/MASTER_HTTP_PORT)')];
  const probes: PortProbe[] = [
    { id: 'ports.ws', what: 'WebSocket', host: local.host, port: local.port, setting: 'MASTER_PORT', path: '/', ours: (a) => a.status === 426 && a.body.includes(WS_PORT_ANSWER) },
    { id: 'ports.http', what: 'HTTP', host: local.httpHost, port: local.httpPort, setting: 'MASTER_HTTP_PORT', path: '/api/health', ours: isOurHealth },
  ];
  return Promise.all(probes.map((probe) => checkPort(probe, local.tls)));
}

function checkPort(probe: PortProbe, tls: boolean): Promise<CheckResult> {
  if (probe.port === 0) return Promise.resolve(skip(probe.id, `not checked: the ${probe.what} port is 0 (chosen at start)`));
  return probePort(probe, tls);
}
