import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isSafeRef, parseRepoSpec, type JobSpec } from '../protocol/index.js';

const run = promisify(execFile);

/** A job's repository could not be checked out; the message says why (git's own words included). */
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
}

/**
 * Checkouts for jobs: one cached bare clone per repository, fetched before each job, and a fresh
 * worktree per job on a branch named after it. Git runs without a shell, with only https (and,
 * when allowed, local files) as transports, and never prompts.
 */
export class Workspaces {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WorkspacesOptions) {}

  /** The directory the job runs in. */
  async prepare(job: JobSpec): Promise<string> {
    if (job.repo === undefined) return this.options.defaultWorkdir;
    const spec = parseRepoSpec(job.repo, { allowLocal: this.options.allowLocalRepos === true });
    if ('error' in spec) throw new WorkspaceError(spec.error);
    if (job.ref !== undefined && !isSafeRef(job.ref)) throw new WorkspaceError(`"${job.ref}" is not a branch, tag or commit name`);
    const cache = join(this.options.dir, 'repos', `${spec.owner}__${spec.name}.git`);
    const worktree = join(this.options.dir, 'jobs', `job-${job.id}-attempt-${job.attempt}`);
    await this.serialized(cache, async () => {
      await this.refresh(spec.url, cache);
      mkdirSync(join(this.options.dir, 'jobs'), { recursive: true });
      rmSync(worktree, { recursive: true, force: true });
      await this.git(['-C', cache, 'worktree', 'prune']);
      await this.git(['-C', cache, 'worktree', 'add', '--force', '-B', `csc/job-${job.id}`, '--', worktree, job.ref ?? 'HEAD']);
    });
    return worktree;
  }

  private async refresh(url: string, cache: string): Promise<void> {
    mkdirSync(join(this.options.dir, 'repos'), { recursive: true });
    try {
      await this.git(['-C', cache, 'rev-parse', '--is-bare-repository']);
    } catch {
      await this.git(['clone', '--bare', '--quiet', '--', url, cache]);
      return;
    }
    await this.git(['-C', cache, 'fetch', '--quiet', '--prune', '--', url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
  }

  private async git(args: string[]): Promise<string> {
    const transports = ['-c', 'protocol.allow=never', '-c', 'protocol.https.allow=always'];
    if (this.options.allowLocalRepos === true) transports.push('-c', 'protocol.file.allow=always');
    try {
      const { stdout } = await run('git', [...transports, ...args], {
        env: { ...this.options.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
        timeout: 10 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new WorkspaceError(`git ${args.filter((a) => !a.startsWith('+')).slice(0, 4).join(' ')} failed: ${stderr || (error as Error).message}`, { cause: error });
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
