import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Attachment, Frame } from '../protocol/index.js';

/** Master → node: one part of one of a job's files. */
export type JobAttachmentFrame = Extract<Frame, { type: 'job_attachment' }>;

/** Where a job's files go and come from, relative to its workspace. */
export const INBOX_DIR = join('.csc', 'inbox');
export const OUTBOX_DIR = join('.csc', 'outbox');

/** How long a job waits for the next part of its files before it fails: the master sends them right after the assignment. */
export const DEFAULT_ATTACHMENT_WAIT_MS = 60_000;

/** A file of the job, written to its workspace. */
export interface InboxFile {
  /** Absolute. */
  path: string;
  name: string;
  mime: string;
  kind: Attachment['kind'];
}

/** The files a job could not get: the message names them. */
export class InboxError extends Error {
  override readonly name = 'InboxError';
}

/** One attachment's parts as they come in. */
interface Incoming {
  attachment: Attachment;
  parts: Buffer[];
  expected: number | undefined;
  received: number;
  /** Set once the file is whole and checked, or refused. */
  done?: Buffer | InboxError;
}

/**
 * Collects the `job_attachment` parts of one job attempt: each file is checked against its
 * SHA-256 and size once whole. The job runs once all are in; a part that stops coming (the
 * connection dropped mid-file) makes it fail after `waitMs` without progress, naming the file.
 */
export class JobInbox {
  private readonly files = new Map<string, Incoming>();
  private progressed: () => void = () => undefined;

  constructor(
    attachments: readonly Attachment[],
    private readonly waitMs = DEFAULT_ATTACHMENT_WAIT_MS,
  ) {
    for (const attachment of attachments) this.files.set(attachment.id, { attachment, parts: [], expected: undefined, received: 0 });
  }

  /** Takes one part; a repeated or stray one (another file, a finished file) is ignored. */
  add({ id, part, parts, data }: JobAttachmentFrame): void {
    const file = this.files.get(id);
    if (!file || file.done !== undefined || part >= parts || file.parts[part] !== undefined) return;
    file.expected ??= parts;
    if (parts !== file.expected) return void (file.done = new InboxError(`${file.attachment.name} came in parts that disagree on their count`));
    file.parts[part] = Buffer.from(data, 'base64');
    file.received += 1;
    if (file.received === parts) file.done = checked(file.attachment, Buffer.concat(file.parts));
    this.progressed();
  }

  /**
   * Waits for every file, then writes them to `<cwd>/.csc/inbox/` (a name used twice gets a number).
   * Rejects with an `InboxError` for a file that failed its check or never came, or the signal's reason.
   */
  async receive(cwd: string, signal: AbortSignal): Promise<InboxFile[]> {
    await this.whole(signal);
    const dir = join(cwd, INBOX_DIR);
    mkdirSync(dir, { recursive: true });
    const used = new Set<string>();
    return [...this.files.values()].map(({ attachment, done }) => {
      const name = unusedName(attachment.name, used);
      const path = join(dir, name);
      writeFileSync(path, done as Buffer);
      return { path, name, mime: attachment.mime, kind: attachment.kind };
    });
  }

  private whole(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (error?: unknown): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.progressed = () => undefined;
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('aborted'));
      };
      const onAbort = (): void => settle(signal.reason);
      const check = (): void => {
        const failed = [...this.files.values()].find((file) => file.done instanceof InboxError)?.done;
        if (failed) return settle(failed);
        if ([...this.files.values()].every((file) => file.done !== undefined)) return settle();
        clearTimeout(timer);
        timer = setTimeout(() => settle(this.missing()), this.waitMs);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.progressed = check;
      check();
    });
  }

  private missing(): InboxError {
    const names = [...this.files.values()].filter((file) => file.done === undefined).map(({ attachment, received, expected }) => `${attachment.name} (${received} of ${expected ?? '?'} parts)`);
    return new InboxError(`the job's files did not all arrive from the master within ${Math.round(this.waitMs / 1000)} s: ${names.join(', ')} never came whole`);
  }
}

function checked(attachment: Attachment, bytes: Buffer): Buffer | InboxError {
  if (bytes.length !== attachment.bytes) return new InboxError(`${attachment.name} arrived with ${bytes.length} bytes, not the ${attachment.bytes} it was stored with`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== attachment.id) return new InboxError(`${attachment.name} arrived damaged: its SHA-256 is ${sha}, not ${attachment.id}`);
  return bytes;
}

/** `name`, or `name-2.ext`, `name-3.ext`… when a file of the job already has it. */
export function unusedName(name: string, used: Set<string>): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = name;
  for (let n = 2; used.has(candidate); n += 1) candidate = `${stem}-${n}${ext}`;
  used.add(candidate);
  return candidate;
}
