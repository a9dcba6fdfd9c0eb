import { z } from 'zod';
import type { DoctorConfig, DoctorCredential } from '../config/index.js';
import { openMasterSocket } from '../protocol/master-socket.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';
import { describeNetworkError, httpRequestText, parseJson, type HttpAnswer } from './probe.js';

/** Clock difference with the master past which a warning is due (job times, cookies and token expiry read wrong). */
export const MAX_CLOCK_SKEW_MS = 5_000;

const Health = z.object({
  status: z.string(),
  version: z.string(),
  uptimeSec: z.number().optional(),
  degraded: z.array(z.string()).optional(),
  time: z.string().optional(),
});

/** What the health request gave: the answer and when it was sent and received, by this clock. */
interface HealthProbe {
  answer: HttpAnswer;
  sentAt: number;
  receivedAt: number;
}

/** The master's health, the clock against it, and each credential; later checks are skipped when it cannot be reached. */
export async function checkMaster(config: DoctorConfig): Promise<CheckResult[]> {
  const url = `${config.master.httpUrl}/api/health`;
  // Why a master is degraded is told to the admin only; anyone else hears the status.
  const admin = config.credentials.find((credential) => credential.role === 'admin');
  const headers: Record<string, string> = admin === undefined ? {} : { authorization: `Bearer ${admin.token}` };
  const sentAt = Date.now();
  let probe: HealthProbe;
  try {
    probe = { answer: await httpRequestText(url, { ca: config.master.ca, headers }), sentAt, receivedAt: Date.now() };
  } catch (error) {
    const hint = `start the master (csc master) on its host, or pass --master http://HOST:PORT with its address (now ${config.master.httpUrl})`;
    return [fail('master.health', `cannot reach the master: ${describeNetworkError(error, config.master.httpUrl)}`, hint), skip('master.clock', 'not checked: the master cannot be reached'), skip('credential', 'not checked: the master cannot be reached')];
  }
  const health = Health.safeParse(parseJson(probe.answer.body));
  if (probe.answer.status !== 200 || !health.success) {
    const hint = `check --master (now ${config.master.httpUrl}): it must be the master's HTTP port (8080 by default, MASTER_HTTP_PORT)`;
    return [fail('master.health', `${url} answered HTTP ${probe.answer.status}, not a csc master's health`, hint), skip('master.clock', 'not checked: no csc master answered'), skip('credential', 'not checked: no csc master answered')];
  }
  return [healthVerdict(health.data, config.master.httpUrl), clockVerdict(probe, health.data.time), ...(await checkCredentials(config))];
}

function healthVerdict(health: z.infer<typeof Health>, httpUrl: string): CheckResult {
  const uptime = health.uptimeSec === undefined ? '' : `, up ${formatDuration(health.uptimeSec)}`;
  const summary = `csc master ${health.version} answers at ${httpUrl}${uptime}`;
  if (health.status === 'ok') return ok('master.health', summary);
  const reasons = health.degraded?.join('; ') ?? health.status;
  return warn('master.health', `${summary}, but it is ${health.status}: ${reasons}`, "read the master's log for the cause (and csc doctor on the nodes' hosts when no node is online)");
}

/** `3d 4h`, `5m 2s`. */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [[86_400, 'd'], [3_600, 'h'], [60, 'm'], [1, 's']];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [size, unit] of units) {
    if (rest >= size || (unit === 's' && parts.length === 0)) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.slice(0, 2).join(' ');
}

/**
 * The clock against the master's: its `time` when health carries one (milliseconds), else its HTTP
 * `Date` header (whole seconds, so it is taken as the middle of its second), against the middle
 * of the request on this clock.
 */
export function clockVerdict(probe: HealthProbe, masterTime?: string): CheckResult {
  const precise = masterTime === undefined ? Number.NaN : Date.parse(masterTime);
  const header = Date.parse(probe.answer.headers.date ?? '');
  const theirs = Number.isFinite(precise) ? precise : header + 500;
  if (!Number.isFinite(theirs)) return skip('master.clock', 'not checked: the master sent no Date header');
  const skew = (probe.sentAt + probe.receivedAt) / 2 - theirs;
  const seconds = (Math.abs(skew) / 1000).toFixed(1);
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return ok('master.clock', `this clock is within ${seconds} s of the master's`);
  const side = skew > 0 ? 'ahead of' : 'behind';
  return warn('master.clock', `this clock is ${seconds} s ${side} the master's`, 'turn on time synchronisation on both hosts (timedatectl set-ntp true, or chrony/ntpd)');
}

/** What a credential was accepted as, or why not. */
type Verdict = { accepted: true } | { accepted: false; why: string };

async function adminAccepted(config: DoctorConfig, token: string): Promise<Verdict> {
  try {
    const answer = await httpRequestText(`${config.master.httpUrl}/api/nodes`, { ca: config.master.ca, headers: { authorization: `Bearer ${token}` } });
    return answer.status === 200 ? { accepted: true } : { accepted: false, why: `the API answered HTTP ${answer.status}` };
  } catch (error) {
    return { accepted: false, why: describeNetworkError(error, config.master.httpUrl) };
  }
}

/** A WebSocket upgrade with the token: 101 means a node or bridge credential; the connection is closed at once. */
function upgradeAccepted(config: DoctorConfig, token: string): Promise<Verdict> {
  const socket = openMasterSocket(config.master.wsUrl, token, config.master.ca === undefined ? undefined : { ca: [config.master.ca] });
  return new Promise((resolve) => {
    socket.ws.on('open', () => {
      resolve({ accepted: true });
      socket.ws.close(1000, 'csc doctor');
    });
    socket.ws.on('close', (code, reason) => {
      const refused = socket.refusedWith();
      resolve({ accepted: false, why: refused === undefined ? `WebSocket ${config.master.wsUrl}: ${socket.describeClose(code, reason.toString())}` : `the WebSocket port answered HTTP ${refused}` });
    });
  });
}

function credentialHint(credential: DoctorCredential, config: DoctorConfig): string {
  if (credential.role === 'admin') return `use the master's admin token (MASTER_ADMIN_TOKEN, or ${config.dataDir}/admin-token on the master's host)`;
  const role = credential.role === 'bridge' ? 'bridge' : 'node';
  const file = role === 'bridge' ? 'bridge-token' : 'master-token';
  return `use the master's ${role} token (${file} in its data dir) or make one on the master: csc token create --role ${role} --name NAME`;
}

async function checkCredential(config: DoctorConfig, credential: DoctorCredential): Promise<CheckResult> {
  const id = `credential.${credential.role === 'unknown' ? 'token' : credential.role}`;
  const { source, token } = credential;
  if (credential.role === 'admin') {
    const verdict = await adminAccepted(config, token);
    if (verdict.accepted) return ok(id, `the master accepts ${source} as the admin credential`);
    return fail(id, `the master refused ${source} as the admin credential: ${verdict.why}`, credentialHint(credential, config));
  }
  if (credential.role === 'unknown') {
    const admin = await adminAccepted(config, token);
    if (admin.accepted) return ok(id, `the master accepts ${source} as the admin credential`);
    const peer = await upgradeAccepted(config, token);
    if (peer.accepted) return ok(id, `the master accepts ${source} as a node or bridge credential (WebSocket upgrade at ${config.master.wsUrl})`);
    return fail(id, `the master refused ${source}: ${admin.why}; ${peer.why}`, `${credentialHint(credential, config)}; for the dashboard and csc job, the admin token`);
  }
  const verdict = await upgradeAccepted(config, token);
  if (verdict.accepted) return ok(id, `the master accepts ${source} as a ${credential.role} credential (WebSocket upgrade at ${config.master.wsUrl})`);
  return fail(id, `the master refused ${source} as a ${credential.role} credential: ${verdict.why}`, credentialHint(credential, config));
}

async function checkCredentials(config: DoctorConfig): Promise<CheckResult[]> {
  if (config.credentials.length === 0) {
    return [skip('credential', `no credential to check: no --token, no MASTER_TOKEN / MASTER_BRIDGE_TOKEN / MASTER_ADMIN_TOKEN, none stored in ${config.dataDir}`)];
  }
  return Promise.all(config.credentials.map((credential) => checkCredential(config, credential)));
}
