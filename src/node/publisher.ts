import { isoNow, parseRepoSpec, type Publication, type PublishMode } from '../protocol/index.js';
import { GitHubApi, GitHubApiError, type PullRequestRef } from './github-api.js';
import type { Workspaces } from './workspaces.js';

/** The node would not publish (no credential); the message says what to set. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/** The node's own GitHub credential and API; neither ever leaves the node. */
export interface GitHubSettings {
  /** `GITHUB_TOKEN`: pushes (as git config in git's environment) and the REST API (a Bearer header). */
  token?: string | undefined;
  /** `GITHUB_API_URL`; default https://api.github.com. */
  apiUrl?: string | undefined;
}

/** What to publish: a branch of the node's cache of `repo`, and for `pr` the pull request's text. */
export interface PublishRequest {
  repo: string;
  branch: string;
  mode: PublishMode;
  /** The pull request's base; default: the repository's default branch. */
  base?: string | undefined;
  title: string;
  body: string;
}

/**
 * Pushes a job's branch to its repository and, for `pr`, opens its pull request (or finds the one
 * already open for the branch). Never throws: the outcome, a failure included, is the `Publication`.
 */
export class Publisher {
  constructor(
    private readonly workspaces: Workspaces,
    private readonly github: GitHubSettings,
    private readonly userAgent: string,
  ) {}

  async publish(request: PublishRequest): Promise<Publication> {
    const publication: Publication = { mode: request.mode, branch: request.branch };
    try {
      await this.push(request);
      publication.pushedAt = isoNow();
      if (request.mode === 'pr') publication.pullRequest = await this.pullRequest(request);
    } catch (error) {
      publication.error = error instanceof Error ? error.message : String(error);
    }
    return publication;
  }

  private async push({ repo, branch }: PublishRequest): Promise<void> {
    const { token } = this.github;
    await this.workspaces.push(repo, branch, (origin) => {
      if (token !== undefined) return credentialEnvironment(origin.url, token);
      if (origin.local) return {};
      throw new PublishError(`this node has no GitHub credential, so it cannot push ${branch} to ${repo}: set GITHUB_TOKEN in the node's environment`);
    });
  }

  private async pullRequest({ repo, branch, base, title, body }: PublishRequest): Promise<PullRequestRef> {
    const { token, apiUrl } = this.github;
    if (token === undefined) throw new PublishError(`this node has no GitHub credential, so it cannot open a pull request for ${branch}: set GITHUB_TOKEN in the node's environment`);
    const [owner, name] = apiRepository(repo);
    const api = new GitHubApi({ token, userAgent: this.userAgent, ...(apiUrl === undefined ? {} : { baseUrl: apiUrl }) });
    const into = base ?? (await api.defaultBranch(owner, name));
    try {
      return await api.createPullRequest(owner, name, { title, head: branch, base: into, body });
    } catch (error) {
      // A follow-up's branch already has its pull request: the push just added to it.
      const exists = error instanceof GitHubApiError && error.status === 422 && error.details.some((detail) => /already exists/i.test(detail));
      const open = exists ? await api.findOpenPullRequest(owner, name, branch) : undefined;
      if (open === undefined) throw error;
      return open;
    }
  }
}

/**
 * The credential as git config from the environment (git ≥ 2.31), for the push to `url` only:
 * an extra `Authorization` header, so the token is in no argument list, URL or file.
 */
function credentialEnvironment(url: string, token: string): NodeJS.ProcessEnv {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${url}.extraHeader`, GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

/**
 * `owner` and `name` for the REST API: a GitHub repository's own, or for a local repository (tests)
 * the last two segments of its path (`…/acme/app.git` is acme/app).
 */
function apiRepository(repo: string): [string, string] {
  const spec = parseRepoSpec(repo);
  if (!('error' in spec)) return [spec.owner, spec.name];
  const [owner = '', name = ''] = repo.trim().replace(/\/+$/, '').split('/').slice(-2);
  return [owner, name.replace(/\.git$/, '')];
}
