import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import type { DriverStatus } from '../codex/index.js';

/** How `/status` finds out about Codex: `[codex] mcp_direct_status`, `mcp_status_cmd`, `mcp_auto_detect_process`. */
export interface McpStatusOptions {
  direct: boolean;
  command?: string;
  autoDetect: boolean;
  /** The runner's own Codex process; undefined with the echo executor. */
  own: () => DriverStatus | undefined;
  env: NodeJS.ProcessEnv;
}

/** `running=…, ready=…, pid=…, uptime_sec=…` of a driver. */
export function formatDriverStatus(status: DriverStatus): string {
  return `running=${status.running}, ready=${status.ready}, pid=${status.pid ?? 'none'}, uptime_sec=${Math.round(status.uptimeSec)}`;
}

/** `{"running":true,…}` or `running=true,ready=true pid=1` → the pairs; undefined when neither parses. */
export function parseStatusOutput(output: string): Record<string, string> | undefined {
  const text = output.trim();
  try {
    const json: unknown = JSON.parse(text);
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // Not JSON: try key=value pairs.
  }
  const pairs: [string, string][] = [...text.matchAll(/([\w.-]+)=([^\s,;]+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
  return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
}

/** The text after `codex_mcp:` in `/status`. */
export async function mcpStatusLine(options: McpStatusOptions): Promise<string> {
  if (options.direct) {
    const own = options.own();
    return own ? formatDriverStatus(own) : 'running=false, ready=false (echo executor)';
  }
  if (options.command !== undefined) {
    const output = await runStatusCommand(options.command, options.env);
    const pairs = output === undefined ? undefined : parseStatusOutput(output);
    return pairs ? Object.entries(pairs).map(([k, v]) => `${k}=${v}`).join(', ') : 'unknown';
  }
  if (options.autoDetect) {
    const pid = await findCodexProcess();
    return pid === undefined ? 'running=false' : `running=true, pid=${pid}`;
  }
  return 'unknown';
}

function runStatusCommand(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { env, timeout: 5000 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** A process whose command line runs `codex mcp-server` or `codex app-server`, from /proc (Linux). */
async function findCodexProcess(): Promise<number | undefined> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.some((a) => /codex/.test(a)) && args.some((a) => a === 'mcp-server' || a === 'app-server')) return Number(entry);
  }
  return undefined;
}
