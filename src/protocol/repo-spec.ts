import { basename, isAbsolute, normalize } from 'node:path';

/** A GitHub repository a job runs in, normalized. */
export interface RepoSpec {
  owner: string;
  name: string;
  /** The https clone URL. */
  url: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Accepts `owner/name` or `https://github.com/owner/name[.git]` and nothing else: no other hosts or
 * transports (`ext::`, `file::`, ssh), no leading `-` (option injection into git), no `..` (path escape).
 * Returns an error message instead of throwing, so callers choose how to report it.
 */
export function parseRepoSpec(input: string, options: { allowLocal?: boolean } = {}): RepoSpec | { error: string } {
  const text = input.trim();
  if (options.allowLocal === true && isAbsolute(text)) return parseLocalRepo(text);
  const url = /^https:\/\/github\.com\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(text);
  const short = /^([^/:]+)\/([^/:]+)$/.exec(text);
  const match = url ?? short;
  if (!match) return { error: `"${text}" is not a GitHub repository: use owner/name or https://github.com/owner/name` };
  const [owner, name] = [match[1] ?? '', (match[2] ?? '').replace(/\.git$/, '')];
  for (const part of [owner, name]) {
    if (!SEGMENT.test(part) || part.startsWith('-') || part.startsWith('.')) {
      return { error: `"${text}" has an invalid owner or repository name` };
    }
  }
  return { owner, name, url: `https://github.com/${owner}/${name}.git` };
}

/**
 * A local bare repository by absolute path: only where explicitly allowed (tests, air-gapped labs),
 * since it lets a job read any repository on the node's disk.
 */
function parseLocalRepo(path: string): RepoSpec | { error: string } {
  const normalized = normalize(path);
  if (normalized !== path.replace(/\/+$/, '') || path.split('/').some((part) => part.startsWith('-'))) {
    return { error: `"${path}" is not a clean absolute path to a repository` };
  }
  const name = basename(normalized).replace(/\.git$/, '');
  if (!SEGMENT.test(name)) return { error: `"${path}" has an invalid repository name` };
  return { owner: 'local', name, url: normalized };
}

/** How a job records its repository: `owner/name`, or the path of an allowed local repository. */
export function repoKey(spec: RepoSpec): string {
  return spec.owner === 'local' ? spec.url : `${spec.owner}/${spec.name}`;
}

/** A git ref a job checks out: a branch, tag or commit, never an option or a path escape. */
export function isSafeRef(ref: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(ref) && !ref.includes('..') && !ref.endsWith('.lock') && !ref.endsWith('/');
}
