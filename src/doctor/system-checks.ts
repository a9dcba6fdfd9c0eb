import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail, ok, skip, warn, type CheckResult } from './check.js';
import { runProgram } from './probe.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Free space under which the data dir is worth a warning, and under which the store will soon fail to commit. */
export const DISK_LIMITS = { warnBytes: GIB, failBytes: 100 * MIB } as const;

/** Whether `version` (`20.19.4`) satisfies a `>=X.Y[.Z]` range (the only form our `engines` uses). */
export function satisfiesMinimum(version: string, range: string): boolean {
  const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!wanted) return true;
  const have = version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < 3; i += 1) {
    const diff = (have[i] ?? 0) - Number.parseInt(wanted[i + 1] ?? '0', 10);
    if (diff !== 0) return diff > 0;
  }
  return true;
}

/** The Node.js running csc against the package's `engines.node`. */
export function checkNodeVersion(version: string, range: string): CheckResult {
  if (satisfiesMinimum(version, range)) return ok('node.version', `Node.js ${version} (csc needs ${range})`);
  return fail('node.version', `Node.js ${version} is too old: csc needs ${range}`, `install Node.js ${range.replace('>=', '')} or newer (https://nodejs.org, or your package manager's nodejs 20 or later)`);
}

/** A size for a person: `1.4 GiB`, `80 MiB`. */
export function formatBytes(bytes: number): string {
  return bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/** The verdict on `freeBytes` available in the data dir's file system. */
export function diskVerdict(freeBytes: number, where: string): CheckResult {
  const free = `${formatBytes(freeBytes)} free for ${where}`;
  const hint = `free space on that file system, or move the data dir (MASTER_DATA_DIR) to a larger one; csc backup keeps a copy first`;
  if (freeBytes < DISK_LIMITS.failBytes) return fail('disk', `only ${free}: the store will soon fail to write`, hint);
  if (freeBytes < DISK_LIMITS.warnBytes) return warn('disk', `only ${free} (less than 1 GiB)`, hint);
  return ok('disk', free);
}

/** Free space where the data dir is, or its nearest existing parent when it does not exist yet. */
export async function checkDisk(dataDir: string): Promise<CheckResult> {
  for (let dir = dataDir; ; dir = dirname(dir)) {
    try {
      const stats = await statfs(dir);
      return diskVerdict(stats.bavail * stats.bsize, dir === dataDir ? `the data dir ${dataDir}` : `the data dir ${dataDir} (not created yet; measured at ${dir})`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) return skip('disk', `cannot measure free space for ${dataDir}: ${(error as Error).message}`);
    }
  }
}

/** bubblewrap on Linux, which Codex's sandbox (workspace-write, read-only) is built on. */
export async function checkBubblewrap(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  if (platform !== 'linux') return skip('bwrap', `not needed on ${platform}: Codex sandboxes with the system's own mechanism there`);
  const run = await runProgram('bwrap', ['--version'], { env });
  if (run.code === 0) return ok('bwrap', `${run.stdout.trim() || 'bubblewrap'} is installed for Codex's sandbox`);
  const why = run.error?.code === 'ENOENT' ? 'bwrap is not on PATH' : `bwrap --version failed: ${(run.stderr || run.error?.message || '').trim().slice(0, 200)}`;
  return warn('bwrap', `${why}: Codex's Linux sandbox (workspace-write, read-only) needs it unless the Codex build bundles its own`, 'install it: sudo apt-get install bubblewrap (Debian/Ubuntu) or your distribution\'s bubblewrap package');
}

/** git, which a node needs for every job with a repository. */
export async function checkGit(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const run = await runProgram('git', ['--version'], { env });
  if (run.code === 0) return ok('git.version', run.stdout.trim());
  const why = run.error?.code === 'ENOENT' ? 'git is not on PATH' : `git --version failed: ${(run.stderr || run.error?.message || '').trim().slice(0, 200)}`;
  return fail('git.version', `${why}: a node cannot check out repositories for jobs`, 'install git: sudo apt-get install git (Debian/Ubuntu), or https://git-scm.com/downloads');
}
