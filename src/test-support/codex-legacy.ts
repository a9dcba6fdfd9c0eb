import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nativeCodexBinary } from '../codex/codex-binary.js';

/** The version of the `codex-legacy` dev dependency: the last Codex with `codex mcp-server`. */
export const LEGACY_CODEX_VERSION = '0.153.4';

/**
 * The native binary of the `codex-legacy` dev dependency (`npm:@openai/codex@0.153.4`), for
 * tests of the legacy MCP transport; throws when `npm install` has not installed it.
 */
export function legacyCodexCommand(): string {
  const binary = nativeCodexBinary('codex-legacy');
  if (binary === undefined) throw new Error('the codex-legacy dev dependency (npm:@openai/codex@0.153.4) is not installed for this platform: run npm install');
  return binary;
}

/** The `bin/codex.js` launcher of the `codex-legacy` dev dependency: `node <it> mcp-server` stands in for `npx -y @openai/codex@0.153.4 mcp-server`. */
export function legacyCodexLauncher(): string {
  return join(dirname(createRequire(import.meta.url).resolve('codex-legacy/package.json')), 'bin', 'codex.js');
}
