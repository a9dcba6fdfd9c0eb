import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';

/** File names of the secrets the master generates in its data dir. */
export const SECRET_FILES = { nodeToken: 'master-token', bridgeToken: 'bridge-token', adminToken: 'admin-token' } as const;

export interface LoadedSecret {
  value: string;
  /** Where it came from, for start-up messages (never the value itself). */
  origin: 'configured' | 'file' | 'generated';
  path: string;
}

/**
 * Creates the data dir readable by its owner only, since it holds secrets (tokens, and the bridge
 * tokens saved in the store). An existing one open to others is tightened, as stored secrets are.
 */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrictToOwner(dataDir, 0o700);
}

/**
 * Takes group and other permissions away from a file or directory we own. One owned by someone
 * else (a shared dir the operator chose) is left as it is: chmod would fail, and it is theirs.
 */
export function restrictToOwner(path: string, mode: 0o600 | 0o700): void {
  const stats = statSync(path);
  if ((stats.mode & 0o077) !== 0 && stats.uid === process.getuid?.()) chmodSync(path, mode);
}

/**
 * Returns the configured secret, or the one stored in `dataDir/fileName`, or generates one and
 * stores it there with mode 0600. A stored file readable by others is tightened, not trusted blindly.
 */
export function loadOrCreateSecret(dataDir: string, fileName: string, configured: string | undefined): LoadedSecret {
  const path = join(dataDir, fileName);
  if (configured !== undefined) return { value: configured, origin: 'configured', path };
  const stored = readSecretFile(path);
  if (stored !== undefined) return { value: stored, origin: 'file', path };
  const value = newSecret();
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (a second master on the same dir) won the race: use its secret.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = readSecretFile(path);
      if (raced !== undefined) return { value: raced, origin: 'file', path };
    }
    throw new ConfigError(path, `cannot store a generated secret: ${(error as Error).message}`, { cause: error });
  }
  return { value, origin: 'generated', path };
}

/** Reads a stored secret, or undefined when the file does not exist. */
export function readSecretFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(path, `cannot read secret file: ${(error as Error).message}`, { cause: error });
  }
  restrictToOwner(path, 0o600);
  const value = text.trim();
  if (value.length < 16) throw new ConfigError(path, 'secret file is empty or too short; delete it to have a new one generated');
  return value;
}

/**
 * 32 random bytes as base64url, never starting with `-`: given on a command line after
 * `--token`, a value like `-Vx…` is read as options (commander printed the version instead of
 * running the command, 1 time in 64).
 */
function newSecret(): string {
  for (;;) {
    const value = randomBytes(32).toString('base64url');
    if (!value.startsWith('-')) return value;
  }
}
