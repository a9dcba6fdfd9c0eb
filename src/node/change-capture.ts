import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ChangeSummary } from '../protocol/index.js';
import { parseDiffFiles } from './diff-stat.js';
import { DiffCollector, diffParts } from './diff-text.js';
import type { Git } from './git.js';

/** Who the node's commits are by (author and committer alike). */
export interface GitIdentity {
  name: string;
  email: string;
}

/** A job's change: its summary for the result, and its unified diff in the parts the `diff` events carry. */
export interface CapturedChange {
  change: ChangeSummary;
  parts: string[];
}

/**
 * Commits everything in `worktree` (tracked changes and new files, `git add -A`) on its branch.
 * Returns the new commit, or undefined when there was nothing to commit. The user's hooks and
 * signing settings stay out of it: the node commits for a job, unattended.
 */
export async function commitAll(git: Git, worktree: string, message: string, identity: GitIdentity): Promise<string | undefined> {
  await git.run(['-C', worktree, 'add', '-A']);
  const { code } = await git.run(['-C', worktree, 'diff', '--cached', '--quiet'], { accept: [1] });
  if (code === 0) return undefined;
  const env = { GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email };
  const commit = ['-C', worktree, '-c', 'commit.gpgSign=false', '-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '--no-verify', '--allow-empty-message', '-F', '-'];
  await git.run(commit, { input: message, env });
  return (await git.run(['-C', worktree, 'rev-parse', 'HEAD'])).stdout.trim();
}

/** The change from `base` to `head` in a repository (the job's cached clone), on `branch`. */
export async function committedChange(git: Git, repo: string, range: { base: string; head: string | undefined; branch: string }, maxBytes: number): Promise<CapturedChange> {
  const { base, head, branch } = range;
  const described = await describeDiff(git, repo, [base, head ?? base], {}, maxBytes);
  return { parts: described.parts, change: { baseCommit: base, ...(head === undefined ? {} : { headCommit: head }), branch, ...described.summary } };
}

/**
 * The uncommitted change of the git checkout `dir` is in (`git diff HEAD`, with untracked files as
 * additions), or undefined when it is in none. Nothing of the checkout changes: untracked files are
 * marked intent-to-add in a scratch copy of its index, which writes no object.
 */
export async function uncommittedChange(git: Git, dir: string, maxBytes: number): Promise<CapturedChange | undefined> {
  const top = await checkoutTop(git, dir);
  if (top === undefined) return undefined;
  const base = (await git.run(['-C', top, 'rev-parse', 'HEAD'])).stdout.trim();
  const index = join(tmpdir(), `csc-index-${randomUUID()}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    const real = resolve(top, (await git.run(['-C', top, 'rev-parse', '--git-path', 'index'])).stdout.trim());
    if (existsSync(real)) copyFileSync(real, index);
    else await git.run(['-C', top, 'read-tree', 'HEAD'], { env });
    const untracked = (await git.run(['-C', top, 'ls-files', '--others', '--exclude-standard', '-z'], { env })).stdout;
    if (untracked !== '') await git.run(['-C', top, 'add', '--intent-to-add', '--pathspec-from-file=-', '--pathspec-file-nul'], { env, input: untracked });
    const described = await describeDiff(git, top, ['HEAD'], env, maxBytes);
    return { parts: described.parts, change: { baseCommit: base, ...described.summary } };
  } finally {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  }
}

/** The top of the checkout `dir` is in, when it is in one with a commit. */
async function checkoutTop(git: Git, dir: string): Promise<string | undefined> {
  // Most nodes' working directories are in no checkout: finding no `.git` above costs a few stats, git a process.
  if (!hasGitAbove(dir)) return undefined;
  try {
    const top = (await git.run(['-C', dir, 'rev-parse', '--show-toplevel'])).stdout.trim();
    await git.run(['-C', top, 'rev-parse', '--verify', '--quiet', 'HEAD']);
    return top;
  } catch {
    return undefined;
  }
}

function hasGitAbove(dir: string): boolean {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return true;
    if (dirname(current) === current) return false;
  }
}

type DiffSummary = Omit<ChangeSummary, 'baseCommit' | 'headCommit' | 'branch'>;

/**
 * The stat and the unified diff of `range`. The diff's options are pinned, whatever the user's git
 * config says (prefixes, colour, external drivers, renames), so that it always applies with
 * `git apply`; binary files are named ("Binary files … differ"), never inlined.
 */
async function describeDiff(git: Git, dir: string, range: string[], env: NodeJS.ProcessEnv, maxBytes: number): Promise<{ summary: DiffSummary; parts: string[] }> {
  const diff = ['-C', dir, 'diff', '-M', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', '--submodule=short'];
  const [nameStatus, numstat] = await Promise.all([
    git.run([...diff, '--name-status', '-z', ...range], { env }),
    git.run([...diff, '--numstat', '-z', ...range], { env }),
  ]);
  const collector = new DiffCollector(maxBytes);
  await git.run([...diff, '--src-prefix=a/', '--dst-prefix=b/', ...range], { env, onStdout: collector.add });
  const kept = collector.result();
  const files = parseDiffFiles(nameStatus.stdout, numstat.stdout);
  const added = files.reduce((sum, file) => sum + file.added, 0);
  const removed = files.reduce((sum, file) => sum + file.removed, 0);
  return { summary: { files, added, removed, diffBytes: kept.bytes, truncated: kept.truncated }, parts: kept.text === '' ? [] : diffParts(kept.text) };
}
