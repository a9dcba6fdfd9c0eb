import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { codexBinarySetting } from '../config/index.js';
import { CodexError } from './errors.js';

/** The platform packages `@openai/codex` lists as optional dependencies, as its launcher maps them. */
const PLATFORM_BINARIES: Record<string, { packageName: string; triple: string }> = {
  'linux-x64': { packageName: '@openai/codex-linux-x64', triple: 'x86_64-unknown-linux-musl' },
  'linux-arm64': { packageName: '@openai/codex-linux-arm64', triple: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { packageName: '@openai/codex-darwin-x64', triple: 'x86_64-apple-darwin' },
  'darwin-arm64': { packageName: '@openai/codex-darwin-arm64', triple: 'aarch64-apple-darwin' },
  'win32-x64': { packageName: '@openai/codex-win32-x64', triple: 'x86_64-pc-windows-msvc' },
  'win32-arm64': { packageName: '@openai/codex-win32-arm64', triple: 'aarch64-pc-windows-msvc' },
};

/**
 * `CSC_CODEX_BIN` when set; else the native `codex` binary of the installed `@openai/codex`
 * package, else `codex` on PATH.
 * The package's `bin/codex.js` launcher is skipped on purpose: on Node < 23.11 it stays as the
 * binary's parent, so a killed launcher would orphan the server and report the wrong pid.
 */
export function defaultCodexCommand(): string {
  return codexBinarySetting() ?? nativeCodexBinary('@openai/codex') ?? 'codex';
}

/**
 * The native binary inside an installed `@openai/codex` package, by the name it is installed
 * under (an alias such as `codex-legacy` for `npm:@openai/codex@0.153.4` too); undefined if absent.
 */
export function nativeCodexBinary(packageName: string): string | undefined {
  const target = PLATFORM_BINARIES[`${process.platform}-${process.arch}`];
  if (!target) return undefined;
  try {
    const launcherPackage = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    const platformPackage = createRequire(launcherPackage).resolve(`${target.packageName}/package.json`);
    const binary = join(dirname(platformPackage), 'vendor', target.triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** The Codex subcommands a node drives: the current server, and the legacy MCP server (Codex ≤ 0.153). */
export type CodexSubcommand = 'app-server' | 'mcp-server';

/** The first Codex version without `codex mcp-server` (0.154.0 removed it). */
const MCP_SERVER_REMOVED_IN = [0, 154] as const;

/**
 * The arguments before the subcommand: a launcher's own, such as npx's `-y @openai/codex@0.153.4`.
 * `--version` goes after them, so it asks the same Codex the server runs.
 */
export function launcherArgs(args: readonly string[], subcommand: CodexSubcommand): string[] {
  const at = args.indexOf(subcommand);
  return at < 0 ? [] : args.slice(0, at);
}

/** Whether this Codex version still has `codex mcp-server` (it went in 0.154.0). */
export function hasMcpServer(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const [removedMajor, removedMinor] = MCP_SERVER_REMOVED_IN;
  return major < removedMajor || (major === removedMajor && minor < removedMinor);
}

/**
 * Runs `command [...launcher] --version` and returns the version number it prints
 * (`codex-cli 0.169.0` → `0.169.0`).
 */
export async function readCodexVersion(command: string, env: NodeJS.ProcessEnv, launcher: readonly string[] = []): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    // A launcher such as npx may first download the package: give it minutes, not seconds.
    const timeout = launcher.length > 0 ? 300_000 : 10_000;
    execFile(command, [...launcher, '--version'], { env, timeout }, (error, out) => {
      if (error) reject(new CodexError(`could not run ${[command, ...launcher].join(' ')} --version: ${error.message}`, { cause: error }));
      else resolve(out);
    });
  });
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(stdout)?.[0];
  if (version === undefined) throw new CodexError(`${command} --version printed no version: ${stdout.trim().slice(0, 200)}`);
  return version;
}
