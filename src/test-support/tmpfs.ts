import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** A small tmpfs mounted for a test (a disk that can be filled), or why there is none here. */
export type SmallDisk = { dir: string; unmount: () => void } | { unavailable: string };

/** Mounts a tmpfs of `size` (as mount takes it: `256k`) on a fresh dir; needs root. */
export function mountSmallDisk(size: string): SmallDisk {
  if (process.getuid?.() !== 0) return { unavailable: 'mounting a tmpfs needs root' };
  const dir = tempDir('csc-small-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { unavailable: `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}` };
  }
  return { dir, unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) };
}

const CHUNK = Buffer.alloc(16 * 1024, 0x2e);
/** Bounded: far more chunks than a test's disk holds. */
const MAX_CHUNKS = 100_000;

/**
 * Fills a disk until writes fail with ENOSPC, leaving about `leaveBytes` free (the filesystem
 * counts in pages). Returns a function that frees the disk again.
 */
export function fillDisk(dir: string, leaveBytes = 0): () => void {
  const reserve = join(dir, 'reserve.fill');
  if (leaveBytes > 0) writeFileSync(reserve, Buffer.alloc(leaveBytes));
  const filler = join(dir, 'filler.fill');
  const fd = openSync(filler, 'w');
  try {
    for (let i = 0; i < MAX_CHUNKS; i++) writeSync(fd, CHUNK);
    throw new Error(`${dir} did not fill up after ${(MAX_CHUNKS * CHUNK.length) / 2 ** 20} MiB`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  rmSync(reserve, { force: true });
  return () => rmSync(filler, { force: true });
}
