import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
 * The native `codex` binary of the installed `@openai/codex` package, else `codex` on PATH.
 * The package's `bin/codex.js` launcher is skipped on purpose: on Node < 23.11 it stays as the
 * binary's parent, so a killed launcher would orphan the server and report the wrong pid.
 */
export function defaultCodexCommand(): string {
  const target = PLATFORM_BINARIES[`${process.platform}-${process.arch}`];
  if (!target) return 'codex';
  try {
    const launcherPackage = createRequire(import.meta.url).resolve('@openai/codex/package.json');
    const platformPackage = createRequire(launcherPackage).resolve(`${target.packageName}/package.json`);
    const binary = join(dirname(platformPackage), 'vendor', target.triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
    return existsSync(binary) ? binary : 'codex';
  } catch {
    return 'codex';
  }
}

/** Runs `command --version` and returns the version number it prints (`codex-cli 0.169.0` → `0.169.0`). */
export async function readCodexVersion(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, ['--version'], { env, timeout: 10_000 }, (error, out) => {
      if (error) reject(new CodexError(`could not run ${command} --version: ${error.message}`, { cause: error }));
      else resolve(out);
    });
  });
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(stdout)?.[0];
  if (version === undefined) throw new CodexError(`${command} --version printed no version: ${stdout.trim().slice(0, 200)}`);
  return version;
}
