import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDataDir } from '../config/index.js';

/**
 * A stable id for this machine's node, kept in the data dir. With it the master can tell a node
 * reconnecting after a network drop (replace the stale connection) from a second node that
 * picked the same name (refuse it).
 */
export function loadNodeId(dataDir: string): string {
  const path = join(dataDir, 'node-id');
  try {
    const stored = readFileSync(path, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{8,64}$/.test(stored)) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  ensureDataDir(dataDir);
  const id = `node-${randomBytes(9).toString('base64url')}`;
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}
