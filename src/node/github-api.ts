import { z } from 'zod';

/** GitHub's REST API; GitHub Enterprise Server serves it at `https://HOST/api/v3`. */
const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** GitHub refused a request or could not be reached; the message says what was asked and GitHub's answer. */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError';

  constructor(
    message: string,
    /** The HTTP status; undefined when no answer came. */
    readonly status: number | undefined,
    /** GitHub's `message` and its validation errors' messages, for a caller that tells cases apart. */
    readonly details: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A pull request as the node records it. */
export interface PullRequestRef {
  number: number;
  url: string;
}

export interface GitHubApiOptions {
  baseUrl?: string;
  token: string;
  userAgent: string;
  timeoutMs?: number;
}

const RepositorySchema = z.object({ default_branch: z.string() });
const PullSchema = z.object({ number: z.number().int().positive(), html_url: z.string() });
const ErrorBodySchema = z.object({ message: z.string().optional(), errors: z.array(z.object({ message: z.string().optional() }).passthrough()).optional() }).passthrough();

/** The few endpoints the node needs, over plain `fetch`, with a Bearer token that never leaves the request headers. */
export class GitHubApi {
  private readonly baseUrl: string;

  constructor(private readonly options: GitHubApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  }

  /** `GET /repos/{owner}/{repo}`: its default branch. */
  async defaultBranch(owner: string, repo: string): Promise<string> {
    const body = await this.request('GET', repoPath(owner, repo), `read ${owner}/${repo}`);
    return this.parsed(RepositorySchema, body, `read ${owner}/${repo}`).default_branch;
  }

  /** `POST /repos/{owner}/{repo}/pulls`. */
  async createPullRequest(owner: string, repo: string, pull: { title: string; head: string; base: string; body: string }): Promise<PullRequestRef> {
    const what = `open a pull request on ${owner}/${repo}`;
    return toRef(this.parsed(PullSchema, await this.request('POST', `${repoPath(owner, repo)}/pulls`, what, pull), what));
  }

  /** `GET /repos/{owner}/{repo}/pulls?head=owner:branch&state=open`: the open pull request of a branch, if any. */
  async findOpenPullRequest(owner: string, repo: string, branch: string): Promise<PullRequestRef | undefined> {
    const what = `list the pull requests of ${owner}/${repo}`;
    const query = new URLSearchParams({ head: `${owner}:${branch}`, state: 'open' });
    const body = await this.request('GET', `${repoPath(owner, repo)}/pulls?${query.toString()}`, what);
    const [first] = this.parsed(z.array(PullSchema), body, what);
    return first === undefined ? undefined : toRef(first);
  }

  private async request(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': this.options.userAgent,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new GitHubApiError(`could not reach GitHub's API at ${this.baseUrl} to ${what}: ${causeOf(error)}`, undefined, [], { cause: error });
    }
    const text = await response.text();
    if (response.ok) return parseJson(text);
    const details = errorDetails(text);
    throw new GitHubApiError(`GitHub refused to ${what}: ${response.status} ${details.join(': ') || response.statusText}${hint(response.status)}`, response.status, details);
  }

  private parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const result = schema.safeParse(body);
    if (!result.success) throw new GitHubApiError(`GitHub's answer to "${what}" was not what its API documents`, undefined, [], { cause: result.error });
    return result.data;
  }
}

function repoPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

function toRef(pull: z.infer<typeof PullSchema>): PullRequestRef {
  return { number: pull.number, url: pull.html_url };
}

/** GitHub's `message`, then each validation error's (`A pull request already exists for …`). */
function errorDetails(text: string): string[] {
  const body = ErrorBodySchema.safeParse(parseJson(text));
  if (!body.success) return text.trim() === '' ? [] : [text.trim().slice(0, 300)];
  return [body.data.message, ...(body.data.errors ?? []).map((error) => error.message)].filter((m): m is string => m !== undefined && m !== '');
}

function hint(status: number): string {
  if (status === 401) return ' (check GITHUB_TOKEN on the node)';
  if (status === 403) return " (the node's GITHUB_TOKEN may lack the rights: contents and pull requests, read and write)";
  if (status === 404) return " (no such repository, or the node's GITHUB_TOKEN cannot see it)";
  return '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
