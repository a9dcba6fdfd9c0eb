/**
 * `npm run test:codex-latest`: installs `@openai/codex@latest` (or the version in the first
 * argument) into a temporary prefix and runs every test that drives the real binary against it,
 * through CSC_CODEX_BIN. A release that breaks us fails here before users meet it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { nativeCodexBinary } from '../src/codex/codex-binary.js';
import { PACKAGE_ROOT } from '../src/paths.js';

const version = process.argv[2] ?? 'latest';
const prefix = mkdtempSync(join(tmpdir(), 'csc-codex-latest-'));
try {
  process.exitCode = runOn(prefix);
} finally {
  rmSync(prefix, { recursive: true, force: true });
}

/** Installs the release under `dir` and runs the real-binary tests on it; the exit status. */
function runOn(dir: string): number {
  console.log(`installing @openai/codex@${version} into ${dir} …`);
  execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `@openai/codex@${version}`], { stdio: 'inherit' });
  const binary = binaryIn(dir);
  const installed = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  const tested = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', '@openai', 'codex', 'package.json'), 'utf8')) as { version: string }).version;
  if (installed.endsWith(` ${tested}`)) {
    console.log(`${installed} is the tested dev dependency: \`npm test\` has run every real-binary test on it`);
    return 0;
  }
  const files = realBinaryTests();
  console.log(`${installed} (${binary}): ${files.length} test files drive the real binary`);
  // The build first: the end-to-end tests under test/ run the built CLI.
  const build = spawnSync('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const run = spawnSync('npx', ['vitest', 'run', ...files], { cwd: PACKAGE_ROOT, stdio: 'inherit', env: { ...process.env, CSC_CODEX_BIN: binary } });
  return run.status ?? 1;
}

/** The native binary of the package installed under `prefix` (not its Node launcher: see `defaultCodexCommand`). */
function binaryIn(dir: string): string {
  const require = createRequire(join(dir, 'node_modules', 'noop.js'));
  const launcher = require.resolve('@openai/codex/package.json');
  // An absolute package directory resolves like a package name.
  return nativeCodexBinary(dirname(launcher)) ?? join(dir, 'node_modules', '.bin', 'codex');
}

/** Test files that start the real Codex: those that write a stand-in CODEX_HOME (derived, so a new one is included). */
function realBinaryTests(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.test\.ts$/.test(entry) && /writeCodexHome|useDriverFixture|chat-e2e-fixture|defaultCodexCommand/.test(readFileSync(path, 'utf8'))) found.push(relative(PACKAGE_ROOT, path));
    }
  };
  for (const dir of ['src', 'test']) walk(join(PACKAGE_ROOT, dir));
  return found.sort();
}
