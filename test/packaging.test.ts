import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  removeTempDirs();
});

/** A process of the installed `csc`, its output collected. */
function start(bin: string, args: string[], env: NodeJS.ProcessEnv): { output: () => string; exited: Promise<number | null> } {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { output: () => output, exited: new Promise((resolve) => child.on('close', resolve)) };
}

/**
 * One pack and one install for the file: the tarball, installed with `npm install --global
 * --prefix` into an empty prefix, through an npm cache of its own (npm reaches only the registry;
 * `npx` later runs offline from what this install put in it).
 */
const pack = { work: '', tarball: '', cache: '', csc: '', installed: '' };
/**
 * The environment of npm's own runs: this one's (proxy and CA settings), without the `npm_*`
 * variables an enclosing `npm test` sets (its prefixes would point npx at this checkout), with the
 * file's cache.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'));
  return { ...Object.fromEntries(inherited), npm_config_cache: pack.cache, npm_config_update_notifier: 'false' };
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'frontend', 'dist', 'index.html')), 'the dashboard is built (npm run build) before it is packed').toBe(true);
  pack.work = tempDir('csc-pack-');
  pack.cache = join(pack.work, 'npm-cache');
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', pack.work], { cwd: ROOT });
  const name = readdirSync(pack.work).find((file) => file.endsWith('.tgz'));
  expect(name).toBe(`codex-super-client-${VERSION}.tgz`);
  pack.tarball = join(pack.work, name ?? '');
  const prefix = join(pack.work, 'prefix');
  await run('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', pack.tarball], { cwd: pack.work, env: npmEnv(), timeout: 240_000 });
  pack.csc = join(prefix, 'bin', 'csc');
  pack.installed = join(prefix, 'lib', 'node_modules', 'codex-super-client');
  // better-sqlite3's install script compiles it here (no prebuilt download): 80 s to 4 min on two
  // busy cores. The same version, built on this machine by the project's own install, is copied
  // instead; everything else is what the tarball installed.
  const sqlite = (base: string) => join(base, 'node_modules', 'better-sqlite3');
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  expect(version(sqlite(pack.installed))).toBe(version(sqlite(ROOT)));
  cpSync(join(sqlite(ROOT), 'build', 'Release', 'better_sqlite3.node'), join(sqlite(pack.installed), 'build', 'Release', 'better_sqlite3.node'));
}, 280_000);

describe('the npm package', () => {
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: pack.work, LOG_FORMAT: 'json' });

  it('installs globally as P/bin/csc, without dev dependencies, with --version, --help and the service files', async () => {
    expect(existsSync(join(pack.installed, 'node_modules', 'vitest')), 'no dev dependency installed').toBe(false);
    expect((await run(pack.csc, ['--version'], { env: env() })).stdout.trim()).toBe(VERSION);
    const help = (await run(pack.csc, ['--help'], { env: env() })).stdout;
    expect(help).toMatch(/^Usage: csc \[options\] \[command\]/);
    for (const command of ['master', 'node', 'job', 'bridge', 'token']) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    // docs/services.md installs the units from the package.
    for (const file of ['docs/services.md', 'docs/systemd/csc-master.service', 'docs/systemd/csc-node.service', 'docs/systemd/csc-bridge.service']) {
      expect(readFileSync(join(pack.installed, file), 'utf8'), file).toBe(readFileSync(join(ROOT, file), 'utf8'));
    }
  });

  it('runs a master, a node and a job from that install, dashboard included', { timeout: 60_000 }, async () => {
    const dataDir = join(pack.work, 'data');
    const master = start(pack.csc, ['master', '--data-dir', dataDir, '--port', '0', '--http-port', '0'], env());
    const listening = await waitFor(() => /"ws":"([\d.:]+)","http":"([\d.:]+)"/.exec(master.output()), 'the installed master to listen', 20_000);
    const [, ws, http] = listening;
    const page = await (await fetch(`http://${http}/`)).text();
    expect(page).toBe(readFileSync(join(pack.installed, 'frontend', 'dist', 'index.html'), 'utf8'));
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect((await fetch(`http://${http}${script ?? '/no-script-in-the-page'}`)).status).toBe(200);

    start(pack.csc, ['node', '--master', `ws://${ws}`, '--data-dir', dataDir, '--name', 'packed', '--allow-echo-executor'], env());
    const job = start(pack.csc, ['job', 'run', 'hello from the tarball', '--url', `http://${http}`, '--data-dir', dataDir], env());
    expect(await job.exited, job.output()).toBe(0);
    expect(job.output()).toContain('hello from the tarball');
    expect(job.output()).toMatch(/succeeded/);
  });

  // npx installs the tarball's dependencies into its own cache directory (_npx). --offline: only
  // what the install above fetched into the file's cache, no network. Without --ignore-scripts,
  // better-sqlite3's install script would also try a prebuilt download (GitHub, beyond the
  // registry) and then compile.
  it('runs with npx from the tarball, offline from the npm cache', { timeout: 120_000 }, async () => {
    const npx = await run('npx', ['--offline', '--yes', '--ignore-scripts', '--package', pack.tarball, 'csc', '--version'], { cwd: pack.work, env: npmEnv(), timeout: 110_000 });
    expect(npx.stdout.trim()).toBe(VERSION);
  });
});
