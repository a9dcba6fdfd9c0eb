import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { ROOT, checkCscCommand, documentedKeys, execForm, isIgnored, parseDockerfile, type Instruction } from './service-files.js';

const run = promisify(execFile);
const UNITS = join(ROOT, 'docs', 'systemd');
const INSTALLED_CSC = '/usr/local/bin/csc';
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string> };

afterAll(() => removeTempDirs());

/** Whether a program is on PATH (`command -v`). */
async function onPath(program: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${program}`]).then(
    () => true,
    () => false,
  );
}

/** `Key=value` lines of a unit (all sections; repeated keys in order). */
function unitEntries(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

const hasSystemdAnalyze = await onPath('systemd-analyze');

describe('the systemd units (docs/systemd)', () => {
  const units = readdirSync(UNITS).filter((name) => name.endsWith('.service'));

  it('are one per program', () => {
    expect(units.sort()).toEqual(['csc-bridge.service', 'csc-master.service', 'csc-node.service']);
  });

  // systemd-analyze checks that ExecStart's program exists: the units name the installed
  // /usr/local/bin/csc, so each is verified as a copy naming this checkout's bin/csc.js instead.
  // Skipped without systemd-analyze, except under CI, whose .ci/run installs it.
  it.skipIf(!hasSystemdAnalyze && process.env.CI === undefined)('pass systemd-analyze verify without a warning, and are hardened (skipped without systemd-analyze: apt-get install systemd)', { timeout: 60_000 }, async () => {
    expect(hasSystemdAnalyze, 'systemd-analyze is installed (apt-get install systemd)').toBe(true);
    const dir = tempDir('csc-units-');
    const csc = join(dir, 'csc');
    symlinkSync(join(ROOT, 'bin', 'csc.js'), csc);
    for (const unit of units) {
      const text = readFileSync(join(UNITS, unit), 'utf8');
      expect(text).toContain(`ExecStart=${INSTALLED_CSC} `);
      writeFileSync(join(dir, unit), text.replaceAll(`ExecStart=${INSTALLED_CSC} `, `ExecStart=${csc} `));
      const verified = await run('systemd-analyze', ['verify', join(dir, unit)]);
      expect(`${verified.stdout}${verified.stderr}`, unit).toBe('');
      // The exposure score (0 = locked down, 10 = unrestricted; a unit without any hardening gets 9.6).
      const security = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', join(dir, unit)]);
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout)?.[1]);
      console.log(`${unit}: exposure ${score}`);
      expect(score, unit).toBeLessThanOrEqual(unit === 'csc-node.service' ? 4.5 : 2);
    }
  });

  it('start real csc commands, with settings the programs know', async () => {
    const known = documentedKeys();
    for (const unit of units) {
      const entries = unitEntries(readFileSync(join(UNITS, unit), 'utf8'));
      const execStart = entries.find(([key]) => key === 'ExecStart')?.[1] ?? '';
      const [program, ...args] = execStart.split(/\s+/);
      expect(program, unit).toBe(INSTALLED_CSC);
      await checkCscCommand(args);
      for (const [, value] of entries.filter(([key]) => key === 'Environment')) {
        const name = value.split('=')[0] ?? '';
        expect(name === 'HOME' || known.has(name), `${unit}: ${name} is a setting of .env.sample`).toBe(true);
      }
    }
  });

  it('keep Codex sandbox namespaces for the node and none for the others', () => {
    const setting = (unit: string, key: string) => unitEntries(readFileSync(join(UNITS, unit), 'utf8')).find(([name]) => name === key)?.[1];
    expect(setting('csc-node.service', 'RestrictNamespaces')?.split(' ').sort()).toEqual(['ipc', 'mnt', 'net', 'pid', 'user']);
    // Each of these puts a mount over /proc, which makes the kernel refuse bubblewrap a fresh /proc.
    for (const key of ['ProtectKernelTunables', 'ProtectKernelLogs', 'ProtectProc', 'ProcSubset', 'MemoryDenyWriteExecute', 'SystemCallFilter']) {
      expect(setting('csc-node.service', key), key).toBeUndefined();
    }
    expect(setting('csc-node.service', 'User')).not.toBe(setting('csc-master.service', 'User'));
    expect(setting('csc-master.service', 'RestrictNamespaces')).toBe('yes');
    expect(setting('csc-bridge.service', 'RestrictNamespaces')).toBe('yes');
  });
});

describe('the Dockerfile', () => {
  const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
  const finalStage = Math.max(...instructions.map((i) => i.stage));
  const inFinal = (keyword: string): Instruction[] => instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);

  it('builds on node:20-bookworm-slim, from stages it defines', () => {
    const stages = instructions.filter((i) => i.keyword === 'FROM');
    for (const stage of stages) expect(stage.args.split(/\s+/)[0]).toBe('node:20-bookworm-slim');
    const names = stages.map((stage) => /\bAS\s+(\S+)/i.exec(stage.args)?.[1]);
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && i.flags.from !== undefined)) {
      expect(names.slice(0, copy.stage), copy.args).toContain(copy.flags.from);
    }
  });

  it('copies only files that exist in the build context', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && i.flags.from === undefined)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((source) => source.replace(/^\.\/?/, ''));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources.filter(Boolean)) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      expect(isIgnored(dockerignore, source), `${source} is not in .dockerignore`).toBe(false);
    }
  });

  it('leaves out what the build makes and the secrets, and keeps the sources', () => {
    for (const out of ['node_modules', 'node_modules/x/y.js', 'frontend/node_modules', 'dist', 'frontend/dist/index.html', '.git', '.env', 'codex-super-client-0.1.0.tgz']) {
      expect(isIgnored(dockerignore, out), out).toBe(true);
    }
    for (const kept of ['package.json', 'package-lock.json', 'src/cli.ts', 'frontend/src/App.tsx', 'migrations', 'bin/csc.js', '.env.sample']) {
      expect(isIgnored(dockerignore, kept), kept).toBe(false);
    }
  });

  it('installs the packed package with git, bubblewrap and the Codex the project tests', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((line) => line.includes('npm pack'))).toBe(true);
    expect(runs.some((line) => line.includes(`/pkg/${packageJson.name}-*.tgz`) && line.includes('--omit=dev'))).toBe(true);
    expect(runs.join('\n')).toContain(`@openai/codex@${packageJson.devDependencies['@openai/codex']}`);
    const finalRuns = inFinal('RUN').map((i) => i.args).join('\n');
    expect(finalRuns).toMatch(/apt-get install[^&]*\bgit\b[^&]*\bbubblewrap\b/);
  });

  it('runs `csc master` as a user that is not root, with the data volume and both ports', async () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(inFinal('VOLUME').map((i) => i.args)).toEqual(['/data']);
    expect(inFinal('EXPOSE').map((i) => i.args)).toEqual(['8765 8080']);
    const entrypoint = execForm(inFinal('ENTRYPOINT').at(-1) ?? { keyword: 'ENTRYPOINT', flags: {}, args: '', stage: finalStage });
    const cmd = execForm(inFinal('CMD').at(-1) ?? { keyword: 'CMD', flags: {}, args: '', stage: finalStage });
    expect(entrypoint).toEqual(['csc']);
    expect(cmd[0]).toBe('master');
    await checkCscCommand(cmd);
    const env = inFinal('ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_]+)=/g)].map((m) => m[1] ?? ''));
    const known = documentedKeys();
    expect(env.filter((name) => name !== 'PATH' && !known.has(name))).toEqual([]);
  });
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, unknown> }>;
    volumes: Record<string, unknown>;
  };

  it('is valid against the Compose Specification schema', () => {
    // The schema compose-spec publishes, as the dclint package ships it.
    const schemaFile = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $schema: string };
    // Its $schema is draft-07 under an https address; Ajv knows draft-07 by its http one.
    const draft07 = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('ajv/dist/refs/json-schema-draft-07.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The check is real: a wrong key fails it.
    expect(validate({ ...compose, services: { ...compose.services, master: { ...compose.services.master, comand: ['master'] } } })).toBe(false);
  });

  it('runs the master, a node and the bridge with real csc commands', async () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bridge', 'master', 'node']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.command[0], name).toBe(name);
      await checkCscCommand(service.command);
    }
  });

  it('keeps the data dir on a named volume, and gives node and bridge the master\'s credentials from .env', () => {
    const { master, node, bridge } = compose.services;
    const volumes = (service: { volumes?: string[] }) => (service.volumes ?? []).map((mount) => mount.split(':'));
    expect(volumes(master ?? {})).toContainEqual(['master-data', '/data']);
    for (const [volume] of [...volumes(master ?? {}), ...volumes(node ?? {})]) expect(Object.keys(compose.volumes)).toContain(volume);
    expect(master?.environment?.MASTER_DATA_DIR).toBe('/data');
    // The same .env variable on both sides, required (`:?`) so that Compose refuses to start without it.
    expect(node?.environment?.MASTER_TOKEN).toBe(master?.environment?.MASTER_TOKEN);
    expect(bridge?.environment?.MASTER_BRIDGE_TOKEN).toBe(master?.environment?.MASTER_BRIDGE_TOKEN);
    for (const value of [master?.environment?.MASTER_TOKEN, master?.environment?.MASTER_BRIDGE_TOKEN, master?.environment?.MASTER_ADMIN_TOKEN]) {
      expect(value).toMatch(/^\$\{MASTER_[A-Z_]*TOKEN:\?/);
    }
    expect(node?.depends_on).toEqual({ master: { condition: 'service_healthy' } });
    const known = documentedKeys();
    for (const [name, service] of Object.entries(compose.services)) {
      expect(Object.keys(service.environment ?? {}).filter((key) => !known.has(key)), name).toEqual([]);
    }
  });
});
