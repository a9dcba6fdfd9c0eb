import type { Environment } from './environment.js';
import { defaultDataDir, pathSchema, resolveSetting } from './settings.js';

/**
 * The master's data dir for commands that work on it offline (`csc backup`, `csc restore`):
 * `--data-dir`, else `MASTER_DATA_DIR`, else the default, as `csc master` resolves it.
 */
export function resolveDataDir(flag: string | undefined, env: Environment): string {
  return resolveSetting({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flag, env);
}
