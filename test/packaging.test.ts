import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('the npm package', () => {
  it('installs from its tarball without dev dependencies and runs a master, a node and a job, dashboard included', { timeout: 280_000 }, async () => {
    expect(existsSync(join(ROOT, 'frontend', 'dist', 'index.html')), 'the dashboard is built (npm run build) before it is packed').toBe(true);
    const work = tempDir('csc-pack-');
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBe(`codex-super-client-${VERSION}.tgz`);
    const prefix = join(work, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, tarball ?? '')], { cwd: work, timeout: 240_000 });
    const csc = join(prefix, 'bin', 'csc');
    const installed = join(prefix, 'lib', 'node_modules', 'codex-super-client');
    // better-sqlite3's install script compiles it here (no prebuilt download): 80 s to 4 min on two
    // busy cores. The same version, built on this machine by the project's own install, is copied
    // instead; everything else is what the tarball installed.
    const sqlite = (base: string) => join(base, 'node_modules', 'better-sqlite3');
    const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(sqlite(installed))).toBe(version(sqlite(ROOT)));
    cpSync(join(sqlite(ROOT), 'build', 'Release', 'better_sqlite3.node'), join(sqlite(installed), 'build', 'Release', 'better_sqlite3.node'));
    expect(existsSync(join(installed, 'node_modules', 'vitest')), 'no dev dependency installed').toBe(false);

    const env = { PATH: process.env.PATH ?? '', HOME: work, LOG_FORMAT: 'json' };
    expect((await run(csc, ['--version'], { env })).stdout.trim()).toBe(VERSION);
    const dataDir = join(work, 'data');
    const master = start(csc, ['master', '--data-dir', dataDir, '--port', '0', '--http-port', '0'], env);
    const listening = await waitFor(() => /"ws":"([\d.:]+)","http":"([\d.:]+)"/.exec(master.output()), 'the installed master to listen', 20_000);
    const [, ws, http] = listening;
    const page = await (await fetch(`http://${http}/`)).text();
    expect(page).toBe(readFileSync(join(installed, 'frontend', 'dist', 'index.html'), 'utf8'));
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect((await fetch(`http://${http}${script ?? '/no-script-in-the-page'}`)).status).toBe(200);

    start(csc, ['node', '--master', `ws://${ws}`, '--data-dir', dataDir, '--name', 'packed', '--allow-echo-executor'], env);
    const job = start(csc, ['job', 'run', 'hello from the tarball', '--url', `http://${http}`, '--data-dir', dataDir], env);
    expect(await job.exited, job.output()).toBe(0);
    expect(job.output()).toContain('hello from the tarball');
    expect(job.output()).toMatch(/succeeded/);
  });
});
