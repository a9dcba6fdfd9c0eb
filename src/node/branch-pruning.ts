import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Git } from './git.js';

/** What pruning removed from one cached clone. */
export interface PrunedCache {
  /** The cache's directory name (`owner__name.git`). */
  repo: string;
  branches: string[];
}

/** Runs `work` while no other git operation uses `cache`. */
export type CacheLock = <T>(cache: string, work: () => Promise<T>) => Promise<T>;

const JOB_BRANCH = /^csc\/job-\d+$/;

/**
 * Removes from every cached clone under `dir` the job branches whose last commit is older than
 * `cutoff` (ms since the epoch) and that no worktree has checked out, and the worktrees a crashed
 * node left behind that are as old. Their objects go at git's next `gc --auto`.
 */
export async function pruneCache(git: Git, dir: string, cutoff: number, lock: CacheLock): Promise<PrunedCache[]> {
  removeOldWorktrees(join(dir, 'jobs'), cutoff);
  const repos = join(dir, 'repos');
  if (!existsSync(repos)) return [];
  const pruned: PrunedCache[] = [];
  for (const name of readdirSync(repos).filter((entry) => entry.endsWith('.git'))) {
    const cache = join(repos, name);
    const branches = await lock(cache, () => pruneBranches(git, cache, cutoff));
    if (branches.length > 0) pruned.push({ repo: name, branches });
  }
  return pruned;
}

async function pruneBranches(git: Git, cache: string, cutoff: number): Promise<string[]> {
  await git.run(['-C', cache, 'worktree', 'prune']);
  const format = '%(refname:lstrip=2)%00%(committerdate:unix)%00%(worktreepath)';
  const { stdout } = await git.run(['-C', cache, 'for-each-ref', `--format=${format}`, 'refs/heads/csc/']);
  const old = stdout
    .split('\n')
    .map((line) => line.split('\0'))
    .filter(([branch = '', date = '', worktree = '']) => JOB_BRANCH.test(branch) && Number(date) * 1000 < cutoff && worktree === '')
    .map(([branch = '']) => branch);
  if (old.length === 0) return [];
  await git.run(['-C', cache, 'update-ref', '--stdin'], { input: old.map((branch) => `delete refs/heads/${branch}\n`).join('') });
  await git.run(['-C', cache, 'gc', '--auto', '--quiet']);
  return old;
}

/** Worktree directories untouched since `cutoff`: a job ends by removing its own, so these are a crash's. */
function removeOldWorktrees(jobs: string, cutoff: number): void {
  if (!existsSync(jobs)) return;
  for (const entry of readdirSync(jobs)) {
    const path = join(jobs, entry);
    if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
  }
}
