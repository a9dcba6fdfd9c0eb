import { ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES, type Attachment } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { AttachmentStore } from '../store/index.js';

/** `image` files also go to Codex as image inputs: the kinds Codex reads as images. */
function kindOf(mime: string): Attachment['kind'] {
  return /^image\/(png|jpe?g|gif|webp)$/i.test(mime) ? 'image' : 'file';
}

/**
 * Files that came with requests, in the store's `AttachmentStore` (content-addressed: a job names
 * its files by id, with the name and type they came with, which travel in the job). What the API,
 * the bridges' uploads, the intake and the sender ask of them, with the limits and wire errors.
 */
export class AttachmentFiles {
  constructor(private readonly store: AttachmentStore) {}

  /** Stores a file and describes it once it is durable; `payload_too_large` past `MAX_ATTACHMENT_BYTES`. */
  async save(data: Buffer, name: string, mime: string): Promise<Attachment> {
    if (data.length > MAX_ATTACHMENT_BYTES) throw new CodedError('payload_too_large', `${name} is ${data.length} bytes; a file may be at most ${MAX_ATTACHMENT_BYTES} bytes (20 MiB)`);
    const id = await this.store.save(data);
    return { id, name, mime, kind: kindOf(mime), bytes: data.length };
  }

  /** Refuses (`bad_request`) attachments a request names that are not stored as described. */
  async check(attachments: readonly Attachment[]): Promise<void> {
    const sizes = await Promise.all(attachments.map((attachment) => this.store.size(attachment.id)));
    attachments.forEach((attachment, i) => {
      const size = sizes[i];
      if (size === undefined) throw new CodedError('bad_request', `no attachment ${attachment.id} (${attachment.name}): upload it first`);
      if (size !== attachment.bytes) throw new CodedError('bad_request', `attachment ${attachment.id} (${attachment.name}) has ${size} bytes, not ${attachment.bytes}`);
    });
  }

  /** The file's parts of `ATTACHMENT_PART_BYTES` each, in order, read one at a time (an empty file is one empty part). */
  async *parts(attachment: Attachment): AsyncGenerator<Buffer> {
    const count = partCount(attachment.bytes);
    for (let part = 0; part < count; part++) yield await this.store.read(attachment.id, part * ATTACHMENT_PART_BYTES, ATTACHMENT_PART_BYTES);
  }
}

/** How many parts a file of this size travels in. */
export function partCount(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / ATTACHMENT_PART_BYTES));
}
