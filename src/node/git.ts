import { spawn } from 'node:child_process';

/** A git command failed; the message names the command and gives git's own words. */
export class GitError extends Error {
  override readonly name = 'GitError';

  /** `git <command> failed: <why>`. */
  constructor(
    command: string,
    /** git's own words (its stderr), or what stopped it. */
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(`git ${command} failed: ${why}`, options);
  }
}

/** How the node runs git: its environment (from the config layer) and which transports it may use. */
export interface GitOptions {
  env: NodeJS.ProcessEnv;
  /** Allow the `file` transport (local repositories: tests only). */
  allowLocalRepos?: boolean;
}

/** One command's extras. */
export interface GitRun {
  /** More environment for this command only (a push's credential header, a scratch index). */
  env?: NodeJS.ProcessEnv;
  /** Written to git's stdin (a commit message of any length, a list of paths). */
  input?: string;
  /** Streams stdout here instead of collecting it: a diff of any size. */
  onStdout?: (chunk: Buffer) => void;
  /** Exit codes that are answers, not failures (`git diff --quiet` exits 1 for "differs"). */
  accept?: readonly number[];
}

export interface GitOutput {
  stdout: string;
  code: number;
}

/** Collected stdout past this is a failure: only diffs are that large, and they stream. */
const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;
/** A clone or push of a large repository over a slow link, not a hung one. */
const TIMEOUT_MS = 10 * 60_000;

/**
 * Runs git without a shell, with only https (and, when allowed, local files) as transports, never
 * prompting for credentials: arguments are never a secret's place (every user sees them in `ps`),
 * so a credential reaches git only through `GitRun.env`.
 */
export class Git {
  constructor(private readonly options: GitOptions) {}

  run(args: readonly string[], extra: GitRun = {}): Promise<GitOutput> {
    const transports = ['-c', 'protocol.allow=never', '-c', 'protocol.https.allow=always'];
    if (this.options.allowLocalRepos === true) transports.push('-c', 'protocol.file.allow=always');
    const child = spawn('git', [...transports, ...args], {
      env: { ...this.options.env, ...extra.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    });
    return new Promise((resolve, reject) => {
      const stdout = new Collector(MAX_STDOUT_BYTES);
      const stderr = new Collector(MAX_STDERR_BYTES);
      child.stdout.on('data', (chunk: Buffer) => (extra.onStdout ? extra.onStdout(chunk) : stdout.add(chunk)));
      child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
      // git may exit before reading all of its input (a commit that fails early): that is its answer.
      child.stdin.on('error', () => undefined);
      child.stdin.end(extra.input ?? '');
      child.on('error', (error) => reject(new GitError(describe(args), `git could not start: ${error.message}`, { cause: error })));
      child.on('close', (code, signal) => {
        if (code !== null && (code === 0 || extra.accept?.includes(code)) && !stdout.overflowed) {
          resolve({ stdout: stdout.text(), code });
          return;
        }
        const said = stderr.text().split('\n').map((line) => line.trimEnd()).join('\n').trim(); // git pads `remote:` lines
        const why = stdout.overflowed ? 'its output was too large' : said || (signal === null ? `exit ${code}` : `stopped by ${signal}`);
        reject(new GitError(describe(args), why));
      });
    });
  }
}

/** The command as a person would name it: no `-C <dir>` or `-c <setting>`, no refspecs, the first few words. */
function describe(args: readonly string[]): string {
  const words = args.filter((arg, i) => arg !== '-C' && arg !== '-c' && args[i - 1] !== '-C' && args[i - 1] !== '-c' && !arg.startsWith('+'));
  return words.slice(0, 4).join(' ');
}

class Collector {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  overflowed = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.bytes + chunk.length > this.limit) {
      this.overflowed = true;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
