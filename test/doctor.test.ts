import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODEX_VERSIONS } from '../src/codex/codex-support.js';
import type { CheckResult, DoctorReport } from '../src/doctor/index.js';
import type { NodeWorker } from '../src/node/index.js';
import { GitHubStandIn } from '../src/test-support/github-stand-in.js';
import { postgresAvailable, stopWorkerPostgres } from '../src/test-support/postgres-server.js';
import { ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { SlackStandIn } from '../src/test-support/slack-stand-in.js';
import { TelegramStandIn } from '../src/test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { testDatabaseUrl } from '../src/test-support/test-database.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

const GITHUB_TOKEN = 'ghp_doctor-stand-in-0123456789';
let models: ResponsesStandIn;
let home: CodexHome;
let master: TestMaster;
let node: NodeWorker;
let telegram: TelegramStandIn;
let slack: SlackStandIn;
let github: GitHubStandIn;
let env: Record<string, string>;

beforeAll(async () => {
  [models, telegram, slack, github, master] = await Promise.all([ResponsesStandIn.start(), TelegramStandIn.start(), SlackStandIn.start(), GitHubStandIn.start(GITHUB_TOKEN, {}), startTestMaster()]);
  home = writeCodexHome(models.baseUrl);
  // A node online, so that the master is not degraded.
  node = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'doctor-test-node' });
  await waitFor(() => master.hub.listNodes().length > 0, 'the node to connect');
  env = {
    ...home.env,
    MASTER_DATA_DIR: master.config.dataDir,
    MASTER_PORT: String(master.ws.port),
    MASTER_HTTP_PORT: String(master.http.port),
    GITHUB_TOKEN,
    GITHUB_API_URL: github.apiUrl,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
  };
});

afterAll(async () => {
  await node.agent.stop();
  await master.close();
  await Promise.all([models.close(), telegram.close(), slack.close(), github.close()]);
  home.remove();
  removeTempDirs();
});

/** Runs `csc doctor --json` with `extra` over the healthy environment; returns the exit code, the checks by id, and all output. */
async function doctor(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; checks: Record<string, CheckResult>; report: DoctorReport; output: string }> {
  const cli = runCsc(['doctor', '--json', ...args], { ...env, ...extra });
  const code = await cli.exited;
  const report = JSON.parse(cli.stdout()) as DoctorReport;
  return { code, report, checks: Object.fromEntries(report.checks.map((check) => [check.id, check])), output: cli.stdout() + cli.stderr() };
}

/** The migrations as shipped, counted here on their own. */
const migrationCount = (dir: string) => readdirSync(new URL(`../migrations/${dir}`, import.meta.url)).filter((file) => file.endsWith('.sql')).length;
const SQLITE_KNOWN = migrationCount('');
const PG_KNOWN = migrationCount('postgres');

const statuses = (checks: Record<string, CheckResult>) => Object.fromEntries(Object.entries(checks).map(([id, check]) => [id, check.status]));

describe('csc doctor (the built CLI)', () => {
  it('finds a healthy setup healthy, exits 0, and prints no secret', async () => {
    const { code, report, checks, output } = await doctor(['--master', master.httpUrl]);
    expect(statuses(checks)).toMatchObject({
      config: 'ok',
      'node.version': 'ok',
      'master.health': 'ok',
      'master.clock': 'ok',
      'credential.node': 'ok',
      'credential.bridge': 'ok',
      'credential.admin': 'ok',
      'ports.ws': 'ok',
      'ports.http': 'ok',
      store: 'ok',
      'codex.binary': 'ok',
      'codex.version': 'ok',
      'codex.protocol': 'ok',
      'codex.login': 'ok',
      'git.version': 'ok',
      'git.credential': 'ok',
      telegram: 'ok',
      slack: 'ok',
    });
    expect(['ok', 'warn']).toContain(checks.bwrap?.status);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    expect(checks['codex.version']?.summary).toContain('app-server');
    expect(checks['codex.login']?.summary).toContain('CSC_STAND_IN_API_KEY');
    expect(checks.store?.summary).toBe(`SQLite ${join(master.config.dataDir, 'master.db')}, schema ${SQLITE_KNOWN}: current`);
    for (const secret of [master.nodeToken.value, master.bridgeToken.value, master.adminToken.value, GITHUB_TOKEN, telegram.token, slack.botToken, slack.appToken]) expect(output).not.toContain(secret);
  });

  it('fails a wrong token and exits 1', async () => {
    const { code, checks } = await doctor(['--master', master.httpUrl, '--token', 'not-a-token-the-master-knows']);
    expect(checks['credential.token']).toMatchObject({ status: 'fail', summary: expect.stringContaining('the master refused --token') as unknown });
    expect(checks['credential.token']?.hint).toContain('csc token create');
    expect(checks['master.health']?.status).toBe('ok');
    expect(code).toBe(1);
  });

  it('accepts the node token given with --token, at the WebSocket address', async () => {
    const { code, checks } = await doctor(['--master', master.wsUrl, '--token', master.nodeToken.value]);
    expect(checks['credential.token']).toMatchObject({ status: 'ok', summary: expect.stringContaining('as a node or bridge credential') as unknown });
    expect(code).toBe(0);
  });

  it('fails a missing Codex: NODE_CODEX_COMMAND pointing nowhere, or codex not on PATH', async () => {
    const nowhere = await doctor([], { NODE_CODEX_COMMAND: '/nonexistent/bin/codex' });
    expect(nowhere.checks['codex.binary']).toMatchObject({ status: 'fail', summary: expect.stringContaining('Codex not found: /nonexistent/bin/codex') as unknown });
    expect(nowhere.checks['codex.binary']?.hint).toContain(`npm install -g @openai/codex@${CODEX_VERSIONS.recommended}`);
    expect(statuses(nowhere.checks)).toMatchObject({ 'codex.version': 'skip', 'codex.protocol': 'skip', 'codex.login': 'skip' });
    expect(nowhere.code).toBe(1);
    // A PATH with nothing on it: no codex whatever this machine has installed (git goes missing too).
    const notOnPath = await doctor([], { NODE_CODEX_COMMAND: 'codex', PATH: tempDir('csc-empty-path-') });
    expect(notOnPath.checks['codex.binary']).toMatchObject({ status: 'fail', summary: expect.stringContaining('is not on PATH') as unknown });
    expect(notOnPath.code).toBe(1);
  });

  it('fails a Codex older than the oldest supported, saying what to install', async () => {
    const bin = join(tempDir('csc-old-codex-'), 'codex');
    writeFileSync(bin, '#!/bin/sh\necho "codex-cli 0.100.0"\n');
    chmodSync(bin, 0o755);
    const { code, checks } = await doctor([], { NODE_CODEX_COMMAND: bin });
    expect(checks['codex.binary']).toMatchObject({ status: 'ok', summary: expect.stringContaining('Codex 0.100.0') as unknown });
    expect(checks['codex.version']).toMatchObject({ status: 'fail', summary: expect.stringContaining(`older than the oldest version csc supports (${CODEX_VERSIONS.oldest})`) as unknown });
    expect(checks['codex.version']?.hint).toContain(`npm install -g @openai/codex@${CODEX_VERSIONS.recommended}`);
    expect(code).toBe(1);
  });

  it('skips the platforms with --offline', async () => {
    const { code, checks } = await doctor(['--offline']);
    expect(statuses(checks)).toMatchObject({ telegram: 'skip', slack: 'skip', 'git.credential': 'skip', 'master.health': 'ok' });
    expect(code).toBe(0);
  });

  it('fails a stopped master in plain words, and finds its ports free', async () => {
    const stopped = await startTestMaster();
    const ports = { MASTER_DATA_DIR: stopped.config.dataDir, MASTER_PORT: String(stopped.ws.port), MASTER_HTTP_PORT: String(stopped.http.port) };
    await stopped.close();
    const { code, checks } = await doctor([], ports);
    expect(checks['master.health']).toMatchObject({ status: 'fail', summary: `cannot reach the master: nothing listens at http://127.0.0.1:${stopped.http.port}` });
    expect(statuses(checks)).toMatchObject({ 'master.clock': 'skip', credential: 'skip', 'ports.ws': 'ok', 'ports.http': 'ok' });
    expect(code).toBe(1);
    const text = runCsc(['doctor', '--offline'], { ...env, ...ports });
    expect(await text.exited).toBe(1);
    expect(text.stdout()).toMatch(/^fail\s+master\.health\s+cannot reach the master: nothing listens at/m);
    expect(text.stdout()).toContain('→ start the master (csc master) on its host');
    expect(text.stdout()).toMatch(/\d+ ok, \d+ warn, [1-9]\d* fail, \d+ skip: fix the failures above\n$/);
  });

  it('fails a malformed setting, naming it, and goes on with the default', async () => {
    const { code, checks } = await doctor(['--offline'], { MASTER_PORT: 'eighty' });
    expect(checks.config).toMatchObject({ status: 'fail', summary: expect.stringContaining('MASTER_PORT (environment): must be a number') as unknown });
    expect(checks['master.health']?.status).toBe('ok');
    expect(code).toBe(1);
  });

  it('fails a SQLite store written by a newer csc, which the master would refuse', async () => {
    const dataDir = tempDir();
    const db = new Database(join(dataDir, 'master.db'));
    db.pragma(`user_version = ${SQLITE_KNOWN + 2}`);
    db.close();
    const { code, checks } = await doctor(['--offline'], { MASTER_DATA_DIR: dataDir });
    expect(checks.store).toMatchObject({ status: 'fail', summary: `the store SQLite ${join(dataDir, 'master.db')} was written by a newer csc: schema ${SQLITE_KNOWN + 2}, this csc knows ${SQLITE_KNOWN}` });
    expect(code).toBe(1);
  });

  it('explains itself in --help', async () => {
    const help = runCsc(['doctor', '--help']);
    expect(await help.exited).toBe(0);
    for (const option of ['--master <url>', '--token <token>', '--ca <file>', '--data-dir <dir>', '--json', '--offline', 'Exit status: 0']) expect(help.stdout()).toContain(option);
  });
});

describe.skipIf(!postgresAvailable())('csc doctor on a master with a PostgreSQL store', () => {
  /** The test server trusts 127.0.0.1: the password is there to prove that it is never printed. */
  const PASSWORD = 'doctor-never-prints-0123';
  const withPassword = (url: string) => Object.assign(new URL(url), { password: PASSWORD }).toString();
  afterAll(stopWorkerPostgres);

  it('finds the database reachable and its schema current once migrated, pending before, never printing the password', async () => {
    const shown = await testDatabaseUrl('doctor_store');
    const url = withPassword(shown);
    const fresh = await doctor(['--offline'], { MASTER_DATABASE_URL: url });
    expect(fresh.checks.store).toMatchObject({ status: 'warn', summary: `PostgreSQL ${shown} is at schema 0, this csc knows ${PG_KNOWN}: ${PG_KNOWN} migration${PG_KNOWN === 1 ? '' : 's'} pending` });
    expect(fresh.checks.store?.hint).toContain('pg_dump');
    const migrate = runCsc(['migrate', '--data-dir', tempDir()], { MASTER_DATABASE_URL: url });
    expect(await migrate.exited).toBe(0);
    const current = await doctor(['--offline'], { MASTER_DATABASE_URL: url });
    expect(current.checks.store).toMatchObject({ status: 'ok', summary: `PostgreSQL ${shown}, schema ${PG_KNOWN}: current` });
    expect(current.checks.config?.status).toBe('ok');
    for (const output of [fresh.output, current.output]) expect(output).not.toContain(PASSWORD);
  });

  it('fails a server that refuses, or that never answers, within its short timeout', async () => {
    const refused = await doctor(['--offline'], { MASTER_DATABASE_URL: `postgres://csc:${PASSWORD}@127.0.0.1:1/csc` });
    expect(refused.checks.store).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^cannot read the store at postgres:\/\/csc@127\.0\.0\.1:1\/csc: .*ECONNREFUSED/) as unknown });
    expect(refused.checks.store?.hint).toContain('MASTER_DATABASE_URL');
    expect(refused.code).toBe(1);
    // A port that accepts and then says nothing, as a firewall that drops packets would look.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const began = Date.now();
      const hung = await doctor(['--offline'], { MASTER_DATABASE_URL: `postgres://csc:${PASSWORD}@127.0.0.1:${port}/csc` });
      expect(Date.now() - began).toBeLessThan(15_000);
      expect(hung.checks.store).toMatchObject({ status: 'fail', summary: expect.stringContaining(`cannot read the store at postgres://csc@127.0.0.1:${port}/csc: `) as unknown });
      for (const output of [refused.output, hung.output]) expect(output).not.toContain(PASSWORD);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
