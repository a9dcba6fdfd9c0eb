import { hasMcpServer, type CodexSubcommand } from './codex-binary.js';
import { PROTOCOL_SNAPSHOT } from './protocol-snapshot.js';

/**
 * The Codex versions this code base knows how to drive. The app-server driver is built and tested
 * against the `@openai/codex` dev dependency, whose protocol the snapshot records; the legacy MCP
 * driver against 0.153.4 (the `codex-legacy` one), the last version that had `codex mcp-server`.
 */
export const CODEX_VERSIONS = {
  /** Older than this, neither transport is one we have seen: the node will not work. */
  oldest: '0.153.0',
  /** The oldest app-server protocol the tests have run on; older ones may lack methods or fields we send. */
  appServerMin: '0.169.0',
  /** The version the project installs and tests: what to tell a user to install. */
  recommended: PROTOCOL_SNAPSHOT.codex,
} as const;

/** How well a Codex version fits the transport a node would drive it with. */
export interface CodexSupport {
  level: 'supported' | 'untested' | 'unsupported';
  /** One sentence for a person. */
  reason: string;
}

/** Compares dotted version numbers by their first three numeric parts (`0.169.0` vs `0.153.4`). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.+-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether `version` speaks a protocol we know for `transport` (the subcommand the node's arguments name). */
export function codexSupport(version: string, transport: CodexSubcommand): CodexSupport {
  const { oldest, appServerMin } = CODEX_VERSIONS;
  if (compareVersions(version, oldest) < 0) return { level: 'unsupported', reason: `Codex ${version} is older than the oldest version csc supports (${oldest})` };
  if (transport === 'mcp-server') {
    if (hasMcpServer(version)) return { level: 'supported', reason: `Codex ${version} has the legacy \`codex mcp-server\` the node is set to drive` };
    // The node notices this too and drives app-server instead (see launch.ts), so it still works.
    const fallback = codexSupport(version, 'app-server');
    return { level: fallback.level === 'supported' ? 'untested' : fallback.level, reason: `Codex ${version} has no \`codex mcp-server\` any more (removed in 0.154); the node drives \`codex app-server\` instead` };
  }
  if (compareVersions(version, appServerMin) < 0) return { level: 'untested', reason: `Codex ${version}'s app-server is older than the ${appServerMin} protocol csc is tested with` };
  return { level: 'supported', reason: `Codex ${version} speaks the app-server protocol csc drives (tested with ${appServerMin} to ${CODEX_VERSIONS.recommended})` };
}
