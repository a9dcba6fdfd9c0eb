import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../src/node/index.js';
import { killMasterProcesses, MasterProcess } from '../src/test-support/master-process.js';
import { seedFinishedJobs } from '../src/test-support/store-load.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc } from './cli-process.js';

const { csc, killAll } = trackedCsc();
const nodes: NodeWorker[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.agent.stop()));
  killAll();
  killMasterProcesses();
});
afterAll(removeTempDirs);

/** The `TABLE  ROWS` lines that `csc backup` and `csc restore` print. */
function printedRows(stdout: string): Record<string, number> {
  const rows = [...stdout.matchAll(/^ {2}(\w+) +(\d+)$/gm)].map((match): [string, number] => [match[1] ?? '', Number(match[2])]);
  return Object.fromEntries(rows);
}

function rowsIn(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

const lockPid = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'master.lock'), 'utf8')) as { pid: number }).pid;

/** Creates jobs through the API, four at a time, until stopped: `sent` requests, `stored` answered 201. */
function jobLoad(master: MasterProcess) {
  const counts = { sent: 0, stored: 0 };
  let running = true;
  const lane = async () => {
    while (running) {
      counts.sent++;
      const res = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'load' }) });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
      counts.stored++;
    }
  };
  const lanes = Promise.all([lane(), lane(), lane(), lane()]);
  return {
    counts,
    stop: async () => {
      running = false;
      await lanes;
    },
  };
}

describe('csc backup and csc restore', () => {
  it('backs up a master under load, which neither a second master nor a restore can disturb, and restores it with every row', async () => {
    const dataDir = tempDir();
    const source = await MasterProcess.start({ dataDir });
    const seeded = 200;
    seedFinishedJobs(join(dataDir, 'master.db'), { jobs: seeded, eventsPerJob: 500 });
    nodes.push(startTestNode(source.wsUrl, source.nodeToken(), { name: 'load', slots: 4 }));
    const load = jobLoad(source);
    await waitFor(() => load.counts.stored >= 20, 'jobs to flow', 10_000);

    const file = join(tempDir(), 'csc.db');
    const storedBefore = load.counts.stored;
    const backup = csc(['backup', file, '--data-dir', dataDir]);
    expect(await backup.exited, backup.stderr()).toBe(0);
    const { sent: sentAfter, stored: storedAfter } = load.counts;
    expect(backup.stdout()).toMatch(new RegExp(`^backed up to ${file}\nsize \\d+\\.\\d MiB, schema version \\d+, \\d+ ms\n`));
    const backedUp = printedRows(backup.stdout());
    expect(backedUp).toEqual(rowsIn(file));
    // Jobs kept flowing during the copy, and it holds one moment of them.
    expect(storedAfter).toBeGreaterThan(storedBefore);
    expect(backedUp.jobs).toBeGreaterThanOrEqual(seeded + storedBefore);
    expect(backedUp.jobs).toBeLessThanOrEqual(seeded + sentAfter);
    expect(backedUp.job_events).toBeGreaterThan(seeded * 500);
    console.log(`csc backup under load: ${/^size .+$/m.exec(backup.stdout())?.[0] ?? ''}; ${storedAfter - storedBefore} jobs stored while the command ran`);

    const again = csc(['backup', file, '--data-dir', dataDir]);
    expect(await again.exited).toBe(1);
    expect(again.stderr()).toBe(`csc: ${file} exists; pass --force to replace it\n`);
    const pid = lockPid(dataDir);
    const refused = csc(['restore', file, '--data-dir', dataDir, '--force']);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(new RegExp(`^csc: a master \\(pid ${pid} on .+\\) is using ${dataDir}; stop it before restoring\n$`));
    const second = csc(['master', '--port', '0', '--http-port', '0', '--data-dir', dataDir]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`the data dir is in use: master.lock says master pid ${pid}`);
    await load.stop();
    expect((await source.api('/api/jobs')).status).toBe(200);

    const fresh = join(tempDir(), 'restored');
    const restore = csc(['restore', file, '--data-dir', fresh]);
    expect(await restore.exited, restore.stderr()).toBe(0);
    expect(restore.stdout()).toContain(`restored ${file}\ninto ${join(fresh, 'master.db')} (schema version`);
    expect(printedRows(restore.stdout())).toEqual(backedUp);
    const restored = await MasterProcess.start({ dataDir: fresh });
    const latest = (await (await restored.api('/api/jobs?limit=1')).json()) as { jobs: Array<{ id: number }> };
    expect(latest.jobs[0]?.id).toBe(backedUp.jobs);
    await restored.kill();
    expect(rowsIn(join(fresh, 'master.db'))).toEqual(backedUp);
  });

  it('replaces the database of a master killed with SIGKILL only with --force, keeping it aside with every job it had acknowledged', async () => {
    const backupDir = tempDir();
    const first = await MasterProcess.start({ dataDir: backupDir });
    const file = join(tempDir(), 'empty.db');
    const backup = csc(['backup', file, '--data-dir', backupDir]);
    expect(await backup.exited, backup.stderr()).toBe(0);
    await first.kill();

    const dataDir = tempDir();
    const victim = await MasterProcess.start({ dataDir });
    for (let i = 0; i < 5; i++) expect((await victim.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: `job ${i}` }) })).status).toBe(201);
    await victim.kill();
    const plain = csc(['restore', file, '--data-dir', dataDir]);
    expect(await plain.exited).toBe(1);
    expect(plain.stderr()).toContain('already has a database; pass --force to replace it');

    const forced = csc(['restore', file, '--data-dir', dataDir, '--force']);
    expect(await forced.exited, forced.stderr()).toBe(0);
    const keptAs = /^the database it replaced is kept as (.+)$/m.exec(forced.stdout())?.[1] ?? '';
    expect(keptAs).toMatch(/master\.db\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(rowsIn(keptAs).jobs).toBe(5);
    expect(rowsIn(join(dataDir, 'master.db')).jobs).toBe(0);
    // The killed master's lock was stale: the restore took it over, and a master starts after it.
    const after = await MasterProcess.start({ dataDir });
    expect(((await (await after.api('/api/jobs')).json()) as { jobs: unknown[] }).jobs).toEqual([]);
  });

  it('says plainly why a file is not a backup it can restore, and lists both commands in --help', async () => {
    const dir = tempDir();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'x'.repeat(200));
    const notSqlite = csc(['restore', text, '--data-dir', tempDir()]);
    expect(await notSqlite.exited).toBe(1);
    expect(notSqlite.stderr()).toBe(`csc: ${text} is not a SQLite database, so not a backup of csc's store\n`);

    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.exec('CREATE TABLE jobs (id INTEGER)');
    db.pragma('user_version = 999');
    db.close();
    const refused = csc(['restore', newer, '--data-dir', tempDir()]);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/^csc: .+newer\.db was made by a newer csc: its schema version is 999, this csc knows up to \d+; upgrade csc to restore it\n$/);

    const help = csc(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/backup \[options\] <file>/);
    expect(help.stdout()).toMatch(/restore \[options\] <file>/);
  });
});
