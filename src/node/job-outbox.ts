import { lstatSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ATTACHMENT_PART_BYTES, MAX_OUTBOX_FILE_BYTES, type JobEvent } from '../protocol/index.js';
import { INBOX_DIR, OUTBOX_DIR } from './job-inbox.js';

/** Files one job may send back; more would flood a chat. */
export const MAX_OUTBOX_FILES = 10;

/** The longest file name a `file` event carries. */
const MAX_NAME_CHARS = 200;
/** Room in a frame for everything of a `file` event but its data (names, seq, at, the frame's own fields). */
const FILE_EVENT_OVERHEAD_BYTES = 2048;
/** The smallest part worth sending, even when the master allows tiny frames. */
const MIN_PART_BYTES = 3 * 256;

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.zip': 'application/zip',
};

/**
 * Sends the regular files Codex left in `<cwd>/.csc/outbox/` as `file` events, by name, each in
 * parts that fit a frame of `frameBytes` (base64 grows them by 4/3). Files over
 * `MAX_OUTBOX_FILE_BYTES`, past the first `MAX_OUTBOX_FILES`, or not regular (links, folders)
 * stay behind, named in one `log` warning.
 */
export function sendOutbox(cwd: string, frameBytes: number, emit: (event: JobEvent) => void): void {
  const dir = join(cwd, OUTBOX_DIR);
  const left: string[] = [];
  let sent = 0;
  for (const name of listDir(dir)) {
    const stat = lstatSync(join(dir, name));
    if (!stat.isFile()) left.push(`${name} (not a regular file)`);
    else if (name.length > MAX_NAME_CHARS) left.push(`${name.slice(0, 40)}… (a name over ${MAX_NAME_CHARS} characters)`);
    else if (stat.size > MAX_OUTBOX_FILE_BYTES) left.push(`${name} (${stat.size} bytes, over ${MAX_OUTBOX_FILE_BYTES})`);
    else if (sent >= MAX_OUTBOX_FILES) left.push(`${name} (more than ${MAX_OUTBOX_FILES} files)`);
    else {
      emitFile(name, readFileSync(join(dir, name)), partBytes(frameBytes), emit);
      sent += 1;
    }
  }
  if (left.length > 0) emit({ kind: 'log', level: 'warn', message: `files in ${OUTBOX_DIR} that were not sent back: ${left.join(', ')}` });
}

/**
 * Removes the job's inbox and outbox (and `.csc/` when nothing else is in it), so that they are
 * neither committed nor in the job's diff, nor seen by the next job in a shared working directory.
 */
export function clearJobFiles(cwd: string): void {
  rmSync(join(cwd, INBOX_DIR), { recursive: true, force: true });
  rmSync(join(cwd, OUTBOX_DIR), { recursive: true, force: true });
  try {
    rmdirSync(join(cwd, '.csc'));
  } catch {
    // Absent, or it holds something of the repository's own: it stays.
  }
}

function emitFile(name: string, bytes: Buffer, size: number, emit: (event: JobEvent) => void): void {
  const mime = MIME_BY_EXTENSION[extname(name).toLowerCase()] ?? 'application/octet-stream';
  const parts = Math.max(1, Math.ceil(bytes.length / size));
  for (let part = 0; part < parts; part += 1) {
    const data = bytes.subarray(part * size, (part + 1) * size).toString('base64');
    emit({ kind: 'file', name, mime, bytes: bytes.length, part, parts, data });
  }
}

/** Raw bytes per part: the protocol's size, or less when the master's frames are smaller. */
function partBytes(frameBytes: number): number {
  const fitting = Math.floor((frameBytes - FILE_EVENT_OVERHEAD_BYTES) / 4) * 3;
  return Math.min(ATTACHMENT_PART_BYTES, Math.max(MIN_PART_BYTES, fitting));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
