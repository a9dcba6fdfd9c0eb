import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { acquireDataDirLock, DataDirLockedError, DataDirLockUnreadableError, LOCK_FILE, type LockHolder } from './data-dir-lock.js';

const masters: TestMaster[] = [];
afterEach(async () => {
  await Promise.all(masters.splice(0).map((m) => m.close()));
});
afterAll(removeTempDirs);

function writeLock(dataDir: string, holder: Partial<LockHolder>): void {
  const lock = { pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z', host: hostname(), purpose: 'master', ...holder };
  writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(lock));
}

/** A process that has ended: its pid names nobody (until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

const LOCK_MODULE = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));
/** Takes the lock in a child process and holds it until its stdin closes; prints `won` or why not. */
const CONTENDER = `
import { acquireDataDirLock } from ${JSON.stringify(LOCK_MODULE)};
try {
  const lock = acquireDataDirLock(process.argv[1], 'master');
  console.log('won');
  process.stdin.on('end', () => lock.release()).resume();
} catch (error) {
  console.log(error.message);
}
`;

function contend(dataDir: string): Promise<{ pid: number; said: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CONTENDER, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve({ pid: child.pid ?? 0, said: chunk.toString().trim(), child })));
}

describe('the data-dir lock', () => {
  it('is taken with the pid and released, and a second holder in the same process is refused', () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, 'master');
    const written = JSON.parse(readFileSync(lock.path, 'utf8')) as LockHolder;
    expect(written).toEqual({ pid: process.pid, startedAt: lock.holder.startedAt, host: hostname(), purpose: 'master' });
    expect(() => acquireDataDirLock(dataDir, 'restore')).toThrow(DataDirLockedError);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    acquireDataDirLock(dataDir, 'restore').release();
  });

  it('refuses a second master on the data dir, naming the pid, and the first one goes on', async () => {
    const first = await startTestMaster();
    masters.push(first);
    const second = startTestMaster({ dataDir: first.config.dataDir });
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(second).rejects.toThrow(`master pid ${process.pid}`);
    expect((await first.api('/api/jobs')).status).toBe(200);
    await first.close();
    masters.splice(0);
    expect(existsSync(join(first.config.dataDir, LOCK_FILE))).toBe(false);
    masters.push(await startTestMaster({ dataDir: first.config.dataDir }));
  });

  it('takes over a lock whose process is gone, and one naming this process that it does not hold (a container restarted as pid 1)', async () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: await deadPid() });
    const master = await startTestMaster({ dataDir });
    masters.push(master);
    expect((JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder).pid).toBe(process.pid);
    await master.close();
    masters.splice(0);

    writeLock(dataDir, { pid: process.pid, startedAt: 'an earlier life' });
    const lock = acquireDataDirLock(dataDir, 'master');
    expect(lock.holder.startedAt).not.toBe('an earlier life');
    lock.release();
  });

  it('refuses a lock held by a live process, or by another host, and one it cannot read', async () => {
    const dataDir = tempDir();
    const alive = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeLock(dataDir, { pid: alive.pid ?? 0, startedAt: new Date().toISOString() });
      expect(() => acquireDataDirLock(dataDir, 'master')).toThrow(`master pid ${alive.pid} on ${hostname()}`);
    } finally {
      alive.kill('SIGKILL');
    }
    writeLock(dataDir, { pid: await deadPid(), host: 'elsewhere.example' });
    expect(() => acquireDataDirLock(dataDir, 'master')).toThrow(DataDirLockedError);
    writeFileSync(join(dataDir, LOCK_FILE), '');
    expect(() => acquireDataDirLock(dataDir, 'master')).toThrow(DataDirLockUnreadableError);
  });

  it('goes to exactly one of several processes taking over a stale lock at once', async () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: await deadPid() });
    const contenders = await Promise.all([1, 2, 3, 4].map(() => contend(dataDir)));
    try {
      const winners = contenders.filter((c) => c.said === 'won');
      expect(winners).toHaveLength(1);
      for (const loser of contenders.filter((c) => c.said !== 'won')) expect(loser.said).toContain(`master pid ${winners[0]?.pid}`);
      expect((JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder).pid).toBe(winners[0]?.pid);
    } finally {
      for (const { child } of contenders) child.stdin?.end();
    }
  });

  it.runIf(process.platform === 'linux')('takes over a lock whose pid a younger process has since got', async () => {
    const dataDir = tempDir();
    const younger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => younger.once('spawn', resolve));
      writeLock(dataDir, { pid: younger.pid ?? 0, startedAt: new Date(Date.now() - 60_000).toISOString() });
      const lock = acquireDataDirLock(dataDir, 'master');
      expect(lock.holder.pid).toBe(process.pid);
      lock.release();
    } finally {
      younger.kill('SIGKILL');
    }
  });

  it('leaves a lock alone on release once another process has replaced it', () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, 'master');
    writeLock(dataDir, { pid: 1, startedAt: 'someone else' });
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
  });
});
