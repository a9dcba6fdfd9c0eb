import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository checkout (the build context of the Dockerfile). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CSC = join(ROOT, 'bin', 'csc.js');

/** One Dockerfile instruction: its keyword (upper case), its flags (`--from=build`) and the rest. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
  /** The stage (0-based) it belongs to. */
  stage: number;
}

/** The instructions of a Dockerfile: comments dropped, `\` continuations joined, flags split off. */
export function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  let stage = -1;
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const flags: Record<string, string> = {};
    while (rest[0]?.startsWith('--')) {
      const [name = '', value = ''] = (rest.shift() ?? '').slice(2).split('=');
      flags[name] = value;
    }
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    return { keyword: keyword.toUpperCase(), flags, args: rest.join(' '), stage };
  });
}

/** An instruction's exec form (`["csc", "master"]`), or an error naming it when it is in shell form. */
export function execForm(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`${instruction.keyword} is not in exec form: ${instruction.args}`);
  return parsed;
}

/** Go's filepath.Match with Docker's `**`, as a RegExp over a context-relative path. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => {
      if (part === '**/' || part === '**') return '(?:.*/)?';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * Whether `.dockerignore` keeps `path` out of the build context: the last matching line wins
 * (`!` lines put paths back), and a path is out when it or one of its parent directories is.
 */
export function isIgnored(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({ keep: line.startsWith('!'), pattern: patternRegExp(line.replace(/^!/, '')) }));
  const parts = path.split('/');
  return parts.some((_, at) => {
    const prefix = parts.slice(0, at + 1).join('/');
    let ignored = false;
    for (const rule of rules) if (rule.pattern.test(prefix)) ignored = !rule.keep;
    return ignored;
  });
}

/** The keys `.env.sample` documents (every setting the programs read). */
export function documentedKeys(): Set<string> {
  const sample = readFileSync(join(ROOT, '.env.sample'), 'utf8');
  return new Set([...sample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? ''));
}

/**
 * Checks that `args` is a command line the built CLI takes: the subcommand exists (its `--help`
 * succeeds) and every `--option` given is one that subcommand lists. Returns the help text.
 */
export async function checkCscCommand(args: string[]): Promise<string> {
  // The subcommand is what comes before the first option; option values are not subcommands.
  const firstOption = args.findIndex((arg) => arg.startsWith('-'));
  const subcommand = firstOption < 0 ? args : args.slice(0, firstOption);
  const options = args.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0] ?? arg);
  const { stdout } = await run(process.execPath, [CSC, ...subcommand, '--help'], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
  if (!stdout.startsWith(`Usage: csc ${subcommand.join(' ')} `)) throw new Error(`not a csc command: ${args.join(' ')}\n${stdout}`);
  for (const option of options) {
    if (!new RegExp(`(^|[\\s,])${option}\\b`, 'm').test(stdout)) throw new Error(`csc ${subcommand.join(' ')} has no option ${option}:\n${stdout}`);
  }
  return stdout;
}
