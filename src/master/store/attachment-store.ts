import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ranNow } from './sqlite-read.js';

/**
 * The files that come with job requests, content-addressed: each is stored under the SHA-256 of
 * its bytes (lowercase hex, `attachmentId`), so the same photo sent twice is stored once. A job
 * names its files by id, with the name and type they came with (those travel in the job, not here).
 * Ids reach the store parsed (`AttachmentIdSchema`): it never sees one that is not 64 hex digits.
 */
export interface AttachmentStore {
  /** Stores `data` under its id and gives the id; durable once it resolves (saving the same bytes again changes nothing). */
  save(data: Buffer): Promise<string>;
  /** The stored file's size in bytes; undefined when none has this id. */
  size(id: string): Promise<number | undefined>;
  /** Up to `length` bytes of the file from `offset` (fewer at its end, none past it); rejects when there is no such file. */
  read(id: string, offset: number, length: number): Promise<Buffer>;
}

/** The id a file's bytes are stored under: their SHA-256 in hex. */
export function attachmentId(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Attachments as files of a folder (`<dataDir>/attachments/<sha256>`): the store beside SQLite,
 * which serves one master. Written to a temporary name and renamed, so a file under its id is
 * always whole. The folder is made (0700) by the first save.
 */
export class AttachmentDir implements AttachmentStore {
  private made = false;

  constructor(private readonly dir: string) {}

  save(data: Buffer): Promise<string> {
    return ranNow(() => {
      const id = attachmentId(data);
      const path = this.path(id);
      if (!this.made) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.made = true;
      if (!existsSync(path)) {
        const partial = join(this.dir, `.${id}.${randomUUID()}`);
        writeFileSync(partial, data, { mode: 0o600 });
        renameSync(partial, path);
      }
      return id;
    });
  }

  size(id: string): Promise<number | undefined> {
    return ranNow(() => (existsSync(this.path(id)) ? statSync(this.path(id)).size : undefined));
  }

  async read(id: string, offset: number, length: number): Promise<Buffer> {
    const file = await open(this.path(id), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  private path(id: string): string {
    return join(this.dir, id);
  }
}
