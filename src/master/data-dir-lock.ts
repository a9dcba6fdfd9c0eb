import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

/** The lock's file name inside a data dir. */
export const LOCK_FILE = 'master.lock';

const LockSchema = z.object({ pid: z.number().int().positive(), startedAt: z.string(), host: z.string(), purpose: z.string() });

/** What a lock file says about its holder. */
export type LockHolder = z.infer<typeof LockSchema>;

/** Thrown when another live process holds the data dir; `holder` says which. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the data dir is in use: ${LOCK_FILE} says ${holder.purpose} pid ${holder.pid} on ${holder.host} holds it since ${holder.startedAt}; ` +
        `stop that process first (if it is surely gone, delete ${path})`,
    );
  }
}

/** Thrown when the lock file cannot be read as ours: a person must look at it. */
export class DataDirLockUnreadableError extends Error {
  override readonly name = 'DataDirLockUnreadableError';

  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot tell who holds ${path} (not a lock this csc wrote); if no master runs on this data dir, delete it`, options);
  }
}

/** A held lock. `release()` removes the file if it is still ours; idempotent. */
export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/** Lock files this process holds: its own pid in a lock is only stale when it is not among them. */
const heldHere = new Set<string>();
/** A takeover can lose a race to another process; a few rounds settle it. */
const MAX_ROUNDS = 3;

/**
 * Takes `<dataDir>/master.lock` for `purpose` (`master`, `restore`): created with O_EXCL, holding
 * the pid, since when, and the host. A lock whose process is gone (a master killed with SIGKILL)
 * is taken over; one whose process lives throws `DataDirLockedError`.
 */
export function acquireDataDirLock(dataDir: string, purpose: string): DataDirLock {
  // Absolute, so that one data dir named two ways is one entry of `heldHere`.
  const path = resolve(dataDir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, startedAt: new Date().toISOString(), host: hostname(), purpose };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (createExclusively(path, holder)) {
      heldHere.add(path);
      return { path, holder, release: once(() => release(path, holder)) };
    }
    const current = readHolder(path);
    if (current === undefined) continue;
    if (isAlive(current, path)) throw new DataDirLockedError(path, current);
    takeOver(path, current);
  }
  throw new DataDirLockedError(path, readHolder(path) ?? holder);
}

/**
 * Publishes the lock with its content in one step: written and synced beside it, then hard-linked
 * into place (which fails when a lock exists). A lock created empty and written afterwards could
 * be read in between by a process racing for it, which would then refuse it as unreadable.
 */
function createExclusively(path: string, holder: LockHolder): boolean {
  const draft = `${path}.new-${process.pid}`;
  try {
    const fd = openSync(draft, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** `undefined` when there is no lock file (any more); throws when there is one we cannot read. */
function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataDirLockUnreadableError(path, { cause: error });
  }
  try {
    return LockSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new DataDirLockUnreadableError(path, { cause: error });
  }
}

/**
 * Whether the holder still runs. Our own pid counts only for locks this process holds: a
 * container's master is pid 1 again after a restart, so its previous lock names our pid. A
 * process that started after the lock was written got a dead master's pid. A lock from another
 * host (a shared volume) cannot be checked and counts as alive.
 */
function isAlive(holder: LockHolder, path: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  return !startedAfter(holder.pid, Date.parse(holder.startedAt));
}

/** Linux's `/proc` counts a process's start in these (USER_HZ, 100 on every architecture). */
const CLOCK_TICKS_PER_SECOND = 100;
/** The boot time in `/proc/stat` is whole seconds; a little more for clocks and rounding. */
const START_TOLERANCE_MS = 2000;

/**
 * Whether the process with `pid` started after the lock was written, so that it is another one
 * that got the pid of a master long gone. Only Linux says; elsewhere the pid alone decides.
 */
function startedAfter(pid: number, lockedAt: number): boolean {
  let stat: string;
  let boot: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    boot = readFileSync('/proc/stat', 'utf8');
  } catch {
    return false;
  }
  // The command name (field 2) may hold spaces and parentheses: count from its closing one, field 3 on.
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3]);
  const bootSeconds = Number(/^btime (\d+)$/m.exec(boot)?.[1]);
  if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds) || !Number.isFinite(lockedAt)) return false;
  return bootSeconds * 1000 + (ticks * 1000) / CLOCK_TICKS_PER_SECOND > lockedAt + START_TOLERANCE_MS;
}

/**
 * Moves the stale lock aside first, so that of two processes taking it over at once only one
 * removes it; a lock that changed in between (the other one's fresh lock) is put back.
 */
function takeOver(path: string, stale: LockHolder): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isHolder(aside, stale)) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone made a newer lock meanwhile: theirs stands, the next round reads it.
    }
  }
  unlinkSync(aside);
}

/** Whether the lock at `path` is `holder`'s; one still empty (being written this instant) is not. */
function isHolder(path: string, holder: LockHolder): boolean {
  try {
    const current = readHolder(path);
    return current !== undefined && sameHolder(current, holder);
  } catch {
    return false;
  }
}

function release(path: string, holder: LockHolder): void {
  heldHere.delete(path);
  // A lock someone replaced or broke is not ours to remove.
  if (isHolder(path, holder)) rmSync(path, { force: true });
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.startedAt === b.startedAt && a.host === b.host;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
