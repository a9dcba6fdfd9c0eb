import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES, type Attachment } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';

/** `image` files also go to Codex as image inputs: the kinds Codex reads as images. */
function kindOf(mime: string): Attachment['kind'] {
  return /^image\/(png|jpe?g|gif|webp)$/i.test(mime) ? 'image' : 'file';
}

/**
 * Files that came with requests, under `<dataDir>/attachments/<sha256>`: content-addressed, so
 * the same photo sent twice is stored once, and a job names its files by id (with the name and
 * type it came with, which travel in the job, not here). Written to a temporary name and renamed,
 * so a file under its id is always whole.
 */
export class AttachmentFiles {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Stores a file and describes it; `payload_too_large` past `MAX_ATTACHMENT_BYTES`. */
  save(data: Buffer, name: string, mime: string): Attachment {
    if (data.length > MAX_ATTACHMENT_BYTES) throw new CodedError('payload_too_large', `${name} is ${data.length} bytes; a file may be at most ${MAX_ATTACHMENT_BYTES} bytes (20 MiB)`);
    const id = createHash('sha256').update(data).digest('hex');
    const path = this.path(id);
    if (!existsSync(path)) {
      const partial = join(this.dir, `.${id}.${randomUUID()}`);
      writeFileSync(partial, data, { mode: 0o600 });
      renameSync(partial, path);
    }
    return { id, name, mime, kind: kindOf(mime), bytes: data.length };
  }

  /** Refuses (`bad_request`) attachments a request names that are not stored as described. */
  check(attachments: readonly Attachment[]): void {
    for (const attachment of attachments) {
      const size = existsSync(this.path(attachment.id)) ? statSync(this.path(attachment.id)).size : undefined;
      if (size === undefined) throw new CodedError('bad_request', `no attachment ${attachment.id} (${attachment.name}): upload it first`);
      if (size !== attachment.bytes) throw new CodedError('bad_request', `attachment ${attachment.id} (${attachment.name}) has ${size} bytes, not ${attachment.bytes}`);
    }
  }

  /** The file's parts of `ATTACHMENT_PART_BYTES` each, in order (an empty file is one empty part). */
  async *parts(id: string): AsyncGenerator<Buffer> {
    const file = await open(this.path(id), 'r');
    try {
      const { size } = await file.stat();
      for (let offset = 0; offset < size || offset === 0; offset += ATTACHMENT_PART_BYTES) {
        const buffer = Buffer.alloc(Math.min(ATTACHMENT_PART_BYTES, size - offset));
        await file.read(buffer, 0, buffer.length, offset);
        yield buffer;
        if (size === 0) break;
      }
    } finally {
      await file.close();
    }
  }

  private path(id: string): string {
    return join(this.dir, id);
  }
}

/** How many parts a file of this size travels in. */
export function partCount(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / ATTACHMENT_PART_BYTES));
}
