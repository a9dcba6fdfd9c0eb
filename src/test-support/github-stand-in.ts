import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A repository the stand-in serves. */
export interface StandInRepository {
  defaultBranch: string;
  /** The bare repository standing for it: a pull request's head and base must be branches there, with commits between. */
  origin?: string;
}

/** A pull request the stand-in holds. */
export interface StandInPull {
  number: number;
  repo: string;
  title: string;
  head: string;
  base: string;
  body: string;
  state: 'open';
  html_url: string;
}

export interface RecordedGitHubRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const DOCS = 'https://docs.github.com/rest';

/**
 * GitHub's REST API for pull requests, on 127.0.0.1: `GET /repos/{o}/{r}`, `POST` and `GET
 * /repos/{o}/{r}/pulls`, `GET /user`, with GitHub's status codes and error bodies (401 Bad credentials, 404 Not
 * Found, 422 Validation Failed with "A pull request already exists for owner:branch."), and its
 * refusal of a request without a User-Agent.
 */
export class GitHubStandIn {
  readonly requests: RecordedGitHubRequest[] = [];
  readonly pulls: StandInPull[] = [];
  private readonly server: Server = createServer((req, res) => this.receive(req, res));

  private constructor(
    private readonly token: string,
    private readonly repos: Record<string, StandInRepository>,
  ) {}

  /** Serves `repos` (`owner/name` → repository) to requests with `token`. */
  static async start(token: string, repos: Record<string, StandInRepository>): Promise<GitHubStandIn> {
    const standIn = new GitHubStandIn(token, repos);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The API base, as `GITHUB_API_URL` takes it. */
  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** An open pull request made outside the node (a person opened it first). */
  openPull(repo: string, head: string, base: string): StandInPull {
    const number = this.pulls.length + 1;
    const pull: StandInPull = { number, repo, title: head, head, base, body: '', state: 'open', html_url: `https://github.com/${repo}/pull/${number}` };
    this.pulls.push(pull);
    return pull;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedGitHubRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text === '' ? undefined : parseJson(text) };
      this.requests.push(request);
      const [status, body] = this.answer(request);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  }

  private answer({ method, url, headers, body }: RecordedGitHubRequest): [number, unknown] {
    if (headers['user-agent'] === undefined) {
      return [403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n'];
    }
    const credential = /^(?:Bearer|token) (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (credential !== undefined && credential !== this.token) return [401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' }];
    const parsed = new URL(url, 'http://stand-in');
    // The authenticated user, as `csc doctor` asks for it.
    if (parsed.pathname === '/user' && method === 'GET') return credential === undefined ? [401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' }] : [200, { login: 'csc-stand-in', id: 1, type: 'User' }];
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/pulls)?$/.exec(parsed.pathname);
    const repo = match ? `${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}` : '';
    const known = this.repos[repo];
    // Private repositories: without a credential they do not exist.
    if (!match || known === undefined || credential === undefined) return [404, { message: 'Not Found', documentation_url: DOCS, status: '404' }];
    if (match[3] === undefined && method === 'GET') return [200, repository(repo, known)];
    if (method === 'GET') return [200, this.listPulls(repo, parsed.searchParams)];
    if (method === 'POST') return this.createPull(repo, known, body);
    return [404, { message: 'Not Found', documentation_url: DOCS, status: '404' }];
  }

  private listPulls(repo: string, query: URLSearchParams): unknown[] {
    const head = query.get('head');
    const state = query.get('state') ?? 'open';
    return this.pulls.filter((p) => p.repo === repo && p.state === state && (head === null || `${repo.split('/')[0]}:${p.head}` === head)).map(pullBody);
  }

  private createPull(repo: string, known: StandInRepository, body: unknown): [number, unknown] {
    const fields = (body ?? {}) as Record<string, unknown>;
    for (const field of ['title', 'head', 'base']) {
      if (typeof fields[field] !== 'string') return invalid({ resource: 'PullRequest', code: 'missing_field', field });
    }
    const { title, head, base } = fields as { title: string; head: string; base: string };
    const owner = repo.split('/')[0] ?? '';
    if (this.pulls.some((p) => p.repo === repo && p.head === head && p.base === base && p.state === 'open')) {
      return invalid({ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` });
    }
    if (known.origin !== undefined) {
      for (const [field, branch] of [['head', head], ['base', base]] as const) {
        if (!hasBranch(known.origin, branch)) return invalid({ resource: 'PullRequest', field, code: 'invalid' });
      }
      if (commitsBetween(known.origin, base, head) === 0) return invalid({ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` });
    }
    const number = this.pulls.length + 1;
    const pull: StandInPull = { number, repo, title, head, base, body: typeof fields.body === 'string' ? fields.body : '', state: 'open', html_url: `https://github.com/${repo}/pull/${number}` };
    this.pulls.push(pull);
    return [201, pullBody(pull)];
  }
}

function invalid(error: Record<string, string>): [number, unknown] {
  return [422, { message: 'Validation Failed', errors: [error], documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`, status: '422' }];
}

function repository(repo: string, known: StandInRepository): unknown {
  const [owner = '', name = ''] = repo.split('/');
  return { id: 1, name, full_name: repo, private: true, owner: { login: owner }, default_branch: known.defaultBranch, html_url: `https://github.com/${repo}` };
}

function pullBody(pull: StandInPull): unknown {
  const owner = pull.repo.split('/')[0] ?? '';
  return {
    id: 1000 + pull.number,
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    html_url: pull.html_url,
    url: `https://api.github.com/repos/${pull.repo}/pulls/${pull.number}`,
    head: { ref: pull.head, label: `${owner}:${pull.head}` },
    base: { ref: pull.base, label: `${owner}:${pull.base}` },
  };
}

function hasBranch(origin: string, branch: string): boolean {
  try {
    execFileSync('git', ['-C', origin, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function commitsBetween(origin: string, base: string, head: string): number {
  return Number(execFileSync('git', ['-C', origin, 'rev-list', '--count', `refs/heads/${base}..refs/heads/${head}`], { encoding: 'utf8' }).trim());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
