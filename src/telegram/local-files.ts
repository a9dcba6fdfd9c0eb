import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadFile } from '../chat/index.js';
import { INBOX_DIR, OUTBOX_DIR, unusedName, type InboxFile } from '../node/job-inbox.js';
import { clearJobFiles, sendOutbox } from '../node/job-outbox.js';
import type { RunContext } from '../node/index.js';
import { ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES, type Attachment, type JobEvent } from '../protocol/index.js';

/** Files waiting for their request longer than this are dropped (the request failed before it ran). */
const KEEP_MS = 10 * 60_000;
/** Frames are not a limit here: outbox parts are the protocol's size. */
const LOCAL_FRAME_BYTES = 4 * ATTACHMENT_PART_BYTES;

/**
 * The runner's files: the engine "uploads" a chat's photos and documents here (kept in memory
 * until their request runs); a run writes them to `<cwd>/.csc/inbox/` (images also go to Codex as
 * image inputs), sends back what Codex left in `<cwd>/.csc/outbox/` as `file` events, and then
 * removes both, so that the working directory is left as it was.
 */
export class LocalFiles {
  private readonly stored = new Map<string, { attachment: Attachment; content: Buffer; at: number }>();

  /** Keeps a file for a request; its id is its SHA-256, as on the master. */
  upload(file: UploadFile): Promise<Attachment> {
    if (file.content.length > MAX_ATTACHMENT_BYTES) return Promise.reject(new Error(`${file.name} is over ${MAX_ATTACHMENT_BYTES} bytes`));
    this.forgetOld();
    const id = createHash('sha256').update(file.content).digest('hex');
    const attachment: Attachment = { id, name: safeName(file.name), mime: file.mime, kind: file.kind, bytes: file.content.length };
    this.stored.set(id, { attachment, content: file.content, at: Date.now() });
    return Promise.resolve(attachment);
  }

  /** Writes a request's files into `cwd`'s inbox: the run context's `files`. */
  receive(cwd: string, attachments: readonly Attachment[]): NonNullable<RunContext['files']> {
    const inboxDir = join(cwd, INBOX_DIR);
    const inbox: InboxFile[] = [];
    const used = new Set<string>();
    for (const { id } of attachments) {
      const kept = this.stored.get(id);
      if (!kept) throw new Error(`a file sent with this request is gone (${id.slice(0, 12)}…): send it again`);
      this.stored.delete(id);
      mkdirSync(inboxDir, { recursive: true });
      const name = unusedName(kept.attachment.name, used);
      writeFileSync(join(inboxDir, name), kept.content);
      inbox.push({ path: join(inboxDir, name), name, mime: kept.attachment.mime, kind: kept.attachment.kind });
    }
    return { inboxDir, inbox, outboxDir: join(cwd, OUTBOX_DIR) };
  }

  /** After a run: its outbox files as `file` events, then its inbox and outbox are removed. */
  finish(cwd: string, emit: (event: JobEvent) => void): void {
    try {
      sendOutbox(cwd, LOCAL_FRAME_BYTES, emit);
    } finally {
      clearJobFiles(cwd);
    }
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [id, kept] of this.stored) if (now - kept.at > KEEP_MS) this.stored.delete(id);
  }
}

/** A chat's file name as a plain file name (no folders, nothing hidden). */
function safeName(name: string): string {
  const base = name.replace(/[/\\\0]/g, '_').replace(/^\.+/, '').slice(0, 200);
  return base === '' ? 'file' : base;
}
