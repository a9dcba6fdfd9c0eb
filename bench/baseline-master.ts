/**
 * The jobs bench's `before` pipeline runs the master of a git ref: BENCH_BASELINE_REF, by default
 * HEAD, the last commit, i.e. today's master without the uncommitted work. The ref is checked out
 * with `git worktree add --detach` into a temp dir, the repository's node_modules linked into it,
 * built with tsc (tsconfig.build.json; no dashboard: the master serves its placeholder page without
 * one) and removed at the end, also when the bench fails or is interrupted.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './processes.js';

const run = promisify(execFile);

export const BASELINE_REF = process.env.BENCH_BASELINE_REF ?? 'HEAD';
/** What the master is made of: a change elsewhere (bench/, docs, tests) leaves both masters alike. */
const MASTER_PATHS = ['src', 'migrations', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const BUILD_TIMEOUT_MS = 10 * 60_000;

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The commit `ref` names; throws when it names none: a typo must not skip `before` quietly. */
export function resolveRef(ref: string): string {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (error) {
    throw new Error(`BENCH_BASELINE_REF=${ref} names no commit of this repository`, { cause: error });
  }
}

/** Whether the working tree's master differs from the one at `ref` (tracked changes or new files). */
export function masterChangedSince(ref: string): boolean {
  const changed = git(['diff', '--name-only', ref, '--', ...MASTER_PATHS]);
  const added = git(['ls-files', '--others', '--exclude-standard', '--', ...MASTER_PATHS]);
  return changed !== '' || added !== '';
}

function pruneWorktrees(): void {
  try {
    git(['worktree', 'prune']);
  } catch {
    // A stale record at worst, which the next `git worktree prune` clears.
  }
}

/** A built checkout of `ref`; `remove()` (or the process's exit) takes it away again. */
export class BaselineCheckout {
  private removed = false;
  private readonly onExit = (): void => this.remove();

  private constructor(
    /** The temp dir; the worktree is its `tree` folder. */
    private readonly base: string,
    readonly ref: string,
    readonly commit: string,
  ) {
    process.on('exit', this.onExit);
  }

  get dir(): string {
    return join(this.base, 'tree');
  }

  /** This checkout's `bin/csc.js`. */
  get cli(): string {
    return join(this.dir, 'bin', 'csc.js');
  }

  /** Checks `ref` out and builds it: about half a minute of tsc on two cores. */
  static async create(ref: string): Promise<BaselineCheckout> {
    const commit = resolveRef(ref);
    const checkout = new BaselineCheckout(mkdtempSync(join(tmpdir(), 'csc-bench-before-')), ref, commit);
    try {
      git(['worktree', 'add', '--detach', checkout.dir, commit]);
      symlinkSync(join(ROOT, 'node_modules'), join(checkout.dir, 'node_modules'), 'dir');
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: checkout.dir, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }).catch((error: unknown) => {
        const output = error instanceof Error && 'stdout' in error ? String(error.stdout) : '';
        throw new Error(`building ${ref} (${commit.slice(0, 10)}) failed:\n${output.slice(-4000)}`, { cause: error });
      });
      return checkout;
    } catch (error) {
      checkout.remove();
      throw error;
    }
  }

  /** Synchronous, so that it also runs from the exit handler. Idempotent. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    process.off('exit', this.onExit);
    // The link first: nothing below may ever reach through it into the repository's node_modules.
    try {
      unlinkSync(join(this.dir, 'node_modules'));
    } catch {
      // Not linked yet (the checkout failed first).
    }
    try {
      git(['worktree', 'remove', '--force', this.dir]);
    } catch {
      // Not added (git refused) or half made: without its directory, prune forgets git's record of it.
      rmSync(this.dir, { recursive: true, force: true });
      pruneWorktrees();
    }
    rmSync(this.base, { recursive: true, force: true });
  }
}
