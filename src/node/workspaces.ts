import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSafeRef, parseRepoSpec, type JobSpec, type RepoSpec } from '../protocol/index.js';
import { commitAll, committedChange, uncommittedChange, type CapturedChange, type GitIdentity } from './change-capture.js';
import { DEFAULT_DIFF_MAX_BYTES } from './diff-text.js';
import { Git, GitError } from './git.js';
import { pruneCache, type PrunedCache } from './branch-pruning.js';

/** A job's repository could not be checked out or published; the message says why (git's own words included). */
export class WorkspaceError extends Error {
  override readonly name = 'WorkspaceError';
}

export interface WorkspacesOptions {
  /** Where cached clones and per-job worktrees live. */
  dir: string;
  /** Where jobs without a repository run. */
  defaultWorkdir: string;
  /** Accept absolute paths of local repositories (tests only). */
  allowLocalRepos?: boolean;
  /** Environment for git (from the config layer); GIT_TERMINAL_PROMPT is forced off. */
  env: NodeJS.ProcessEnv;
  /** Author and committer of the node's commits; each half unset: `Codex Super Client`, `csc@<host name>`. */
  identity?: Partial<GitIdentity>;
  /** The most of a job's diff its events carry (`NODE_DIFF_MAX_BYTES`); the stat is always complete. */
  diffMaxBytes?: number;
}

/** Where a job runs: its checkout, or the node's working directory. */
export interface Workspace {
  cwd: string;
  /** Set for a job with a repository. */
  checkout?: Checkout;
}

/** A job's worktree of a cached clone. */
export interface Checkout {
  cache: string;
  worktree: string;
  /** `csc/job-<id>`, or the branch a follow-up continues. */
  branch: string;
  /** The commit the job started from. */
  baseCommit: string;
}

/** Where a repository's branches are pushed. */
export interface Origin {
  url: string;
  /** A local repository (tests), which needs no credential. */
  local: boolean;
}

/**
 * Checkouts for jobs: one cached bare clone per repository, fetched before each job, and a fresh
 * worktree per job on its branch, committed and removed when the job ends. The branches stay in
 * the cache (for a publish afterwards, a follow-up) until pruned. Git runs without a shell, with
 * only https (and, when allowed, local files) as transports, and never prompts.
 */
export class Workspaces {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly git: Git;
  private readonly identity: GitIdentity;

  constructor(private readonly options: WorkspacesOptions) {
    this.git = new Git({ env: options.env, allowLocalRepos: options.allowLocalRepos });
    this.identity = { name: options.identity?.name ?? 'Codex Super Client', email: options.identity?.email ?? `csc@${hostname()}` };
  }

  /** The job's workspace: for a repository, a worktree on the job's branch (a follow-up's: the branch it continues). */
  async prepare(job: JobSpec): Promise<Workspace> {
    if (job.repo === undefined) return { cwd: this.options.defaultWorkdir };
    const spec = this.parse(job.repo);
    for (const ref of [job.ref, job.branch]) {
      if (ref !== undefined && !isSafeRef(ref)) throw new WorkspaceError(`"${ref}" is not a branch, tag or commit name`);
    }
    const cache = this.cacheOf(spec);
    const worktree = join(this.options.dir, 'jobs', `job-${job.id}-attempt-${job.attempt}`);
    const branch = job.branch ?? `csc/job-${job.id}`;
    const baseCommit = await this.serialized(cache, async () => {
      await this.refresh(spec.url, cache);
      excludeJobFiles(cache);
      this.removeAttempts(job.id);
      await this.run(['-C', cache, 'worktree', 'prune']);
      const continued = job.branch !== undefined && (await this.hasBranch(cache, branch, spec.url));
      const add = continued ? ['--', worktree, branch] : ['-B', branch, '--', worktree, job.ref ?? 'HEAD'];
      await this.run(['-C', cache, 'worktree', 'add', '--force', ...add]);
      return (await this.run(['-C', worktree, 'rev-parse', 'HEAD'])).trim();
    });
    return { cwd: worktree, checkout: { cache, worktree, branch, baseCommit } };
  }

  /**
   * What the job changed. A checkout is committed on its branch (`message`), its diff taken against
   * the base, and its worktree removed; a commit that fails keeps the worktree, so nothing is lost.
   * Without a checkout: the uncommitted change of the git checkout the job ran in, if any.
   */
  async capture(workspace: Workspace, message: string): Promise<CapturedChange | undefined> {
    const maxBytes = this.options.diffMaxBytes ?? DEFAULT_DIFF_MAX_BYTES;
    const { checkout } = workspace;
    if (checkout === undefined) return this.guard(() => uncommittedChange(this.git, workspace.cwd, maxBytes));
    const head = await this.serialized(checkout.cache, () => this.guard(() => commitAll(this.git, checkout.worktree, message, this.identity)));
    try {
      return await this.guard(() => committedChange(this.git, checkout.cache, { base: checkout.baseCommit, head, branch: checkout.branch }, maxBytes));
    } finally {
      await this.release(workspace);
    }
  }

  /** Removes a job's worktree (its branch stays in the cache). */
  async release({ checkout }: Workspace): Promise<void> {
    if (checkout === undefined) return;
    await this.serialized(checkout.cache, async () => {
      rmSync(checkout.worktree, { recursive: true, force: true });
      await this.run(['-C', checkout.cache, 'worktree', 'prune']);
    });
  }

  /**
   * Pushes `branch` from the cache to the repository's origin. `credential` gives the environment
   * that carries the credential (git reads it as config from there), never an argument or a URL.
   */
  async push(repo: string, branch: string, credential: (origin: Origin) => NodeJS.ProcessEnv): Promise<void> {
    const spec = this.parse(repo);
    if (!isSafeRef(branch)) throw new WorkspaceError(`"${branch}" is not a branch name`);
    const env = credential({ url: spec.url, local: spec.owner === 'local' });
    const cache = this.cacheOf(spec);
    await this.serialized(cache, async () => {
      if (!existsSync(cache) || !(await this.hasLocalBranch(cache, branch))) {
        throw new WorkspaceError(`this node's cache of ${repo} has no branch ${branch} (it was never made here, or it was pruned)`);
      }
      try {
        await this.git.run(['-C', cache, 'push', '--quiet', '--', spec.url, `refs/heads/${branch}:refs/heads/${branch}`], { env });
      } catch (error) {
        const why = error instanceof GitError ? error.why : String(error);
        throw new WorkspaceError(`could not push ${branch} to ${repo}: ${why}`, { cause: error });
      }
    });
  }

  /** Removes `csc/job-*` branches whose last commit is older than `retentionDays` from every cached clone. */
  async prune(retentionDays: number, now = Date.now()): Promise<PrunedCache[]> {
    const cutoff = now - retentionDays * 86_400_000;
    return pruneCache(this.git, this.options.dir, cutoff, (cache, work) => this.serialized(cache, work));
  }

  /**
   * Clears the worktrees of the job's attempts, this one's included: an attempt the master gave up
   * on is void, and git will not reset a branch another worktree has checked out.
   */
  private removeAttempts(jobId: number): void {
    const jobs = join(this.options.dir, 'jobs');
    mkdirSync(jobs, { recursive: true });
    for (const entry of readdirSync(jobs)) {
      if (entry.startsWith(`job-${jobId}-attempt-`)) rmSync(join(jobs, entry), { recursive: true, force: true });
    }
  }

  private parse(repo: string): RepoSpec {
    const spec = parseRepoSpec(repo, { allowLocal: this.options.allowLocalRepos === true });
    if ('error' in spec) throw new WorkspaceError(spec.error);
    return spec;
  }

  private cacheOf(spec: RepoSpec): string {
    return join(this.options.dir, 'repos', `${spec.owner}__${spec.name}.git`);
  }

  private async refresh(url: string, cache: string): Promise<void> {
    mkdirSync(join(this.options.dir, 'repos'), { recursive: true });
    try {
      await this.run(['-C', cache, 'rev-parse', '--is-bare-repository']);
    } catch {
      await this.run(['clone', '--bare', '--quiet', '--', url, cache]);
      return;
    }
    // The jobs' branches live only here until pushed: `--prune` must not take them, nor a fetch overwrite them.
    await this.run(['-C', cache, 'fetch', '--quiet', '--prune', '--', url, '+refs/heads/*:refs/heads/*', '^refs/heads/csc/job-*', '+refs/tags/*:refs/tags/*']);
  }

  /** Whether the cache has `branch`, fetching it from the origin when not (a follow-up on another node's pushed branch). */
  private async hasBranch(cache: string, branch: string, url: string): Promise<boolean> {
    if (await this.hasLocalBranch(cache, branch)) return true;
    try {
      await this.run(['-C', cache, 'fetch', '--quiet', '--', url, `+refs/heads/${branch}:refs/heads/${branch}`]);
      return true;
    } catch {
      return false;
    }
  }

  private async hasLocalBranch(cache: string, branch: string): Promise<boolean> {
    const { code } = await this.git.run(['-C', cache, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { accept: [1] });
    return code === 0;
  }

  private async run(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    return (await this.guard(() => this.git.run(args, env === undefined ? {} : { env }))).stdout;
  }

  /** Git's failures as this module's error, with git's words. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof GitError) throw new WorkspaceError(error.message, { cause: error });
      throw error;
    }
  }

  /** One git operation at a time per cached clone: concurrent fetches into one repo collide. */
  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }
}

/** The job's inbox and outbox, as every worktree of a cache ignores them. */
const JOB_FILE_PATTERNS = ['/.csc/inbox/', '/.csc/outbox/'];

/**
 * Keeps a job's files out of git's sight in every worktree of the cache (they share its
 * `info/exclude`): a `git add -A` of Codex's own then leaves them out too, not only the node's.
 */
function excludeJobFiles(cache: string): void {
  const file = join(cache, 'info', 'exclude');
  const present = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const missing = JOB_FILE_PATTERNS.filter((pattern) => !present.split('\n').includes(pattern));
  if (missing.length === 0) return;
  mkdirSync(join(cache, 'info'), { recursive: true });
  appendFileSync(file, `${present === '' || present.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
}
