import { ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES, type Attachment, type Frame } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { AttachmentFiles } from './attachment-files.js';

type UploadFrame = Extract<Frame, { type: 'attachment_upload' }>;

/** An upload under way: the parts so far, and what every part must agree on. */
interface Upload {
  name: string;
  mime: string;
  parts: number;
  received: Buffer[];
  bytes: number;
  timer: NodeJS.Timeout;
}

/** How long an upload may wait for its next part before it is forgotten. */
const PART_WAIT_MS = 60_000;
/** Uploads one connection may have under way at once (each holds up to 20 MiB in memory). */
const MAX_OPEN_UPLOADS = 4;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Bridges' uploads (`attachment_upload`), put together part by part per connection and request:
 * parts in order from 0, each at most `ATTACHMENT_PART_BYTES`, the file at most
 * `MAX_ATTACHMENT_BYTES`. A bad part ends its upload (the bridge is told, with the request id);
 * the last part stores the file.
 */
export class Uploads {
  private readonly open = new Map<string, Upload>();

  constructor(private readonly files: AttachmentFiles) {}

  /**
   * Takes one part; resolves with the stored file (durable) after the last, undefined before it.
   * Rejects with a `CodedError` on a bad part. Parts are taken in the order they are given: all
   * but the store's write happen before the first await.
   */
  async receive(connection: string, frame: UploadFrame): Promise<Attachment | undefined> {
    const key = `${connection}\n${frame.requestId}`;
    const upload = this.open.get(key) ?? this.start(connection, key, frame);
    try {
      this.take(upload, frame);
    } catch (error) {
      this.forget(key);
      throw error;
    }
    if (upload.received.length < upload.parts) return undefined;
    this.forget(key);
    return await this.files.save(Buffer.concat(upload.received), upload.name, upload.mime);
  }

  /** Forgets a connection's uploads (it went away). */
  drop(connection: string): void {
    for (const key of [...this.open.keys()]) if (key.startsWith(`${connection}\n`)) this.forget(key);
  }

  private start(connection: string, key: string, frame: UploadFrame): Upload {
    if (frame.part !== 0) throw new CodedError('bad_request', `upload ${frame.requestId}: part ${frame.part} came first; parts start at 0 (a part that waited over ${PART_WAIT_MS / 1000} s ends its upload)`);
    const mine = [...this.open.keys()].filter((k) => k.startsWith(`${connection}\n`)).length;
    if (mine >= MAX_OPEN_UPLOADS) throw new CodedError('bad_request', `at most ${MAX_OPEN_UPLOADS} uploads at once per connection`);
    const upload: Upload = { name: frame.name, mime: frame.mime, parts: frame.parts, received: [], bytes: 0, timer: setTimeout(() => this.forget(key), PART_WAIT_MS).unref() };
    this.open.set(key, upload);
    return upload;
  }

  private take(upload: Upload, frame: UploadFrame): void {
    const what = `upload ${frame.requestId} (${upload.name})`;
    if (frame.part !== upload.received.length) throw new CodedError('bad_request', `${what}: expected part ${upload.received.length}, got ${frame.part}`);
    if (frame.parts !== upload.parts || frame.name !== upload.name || frame.mime !== upload.mime) throw new CodedError('bad_request', `${what}: part ${frame.part} changed the name, type or number of parts`);
    if (!BASE64.test(frame.data)) throw new CodedError('bad_request', `${what}: part ${frame.part} is not base64`);
    const data = Buffer.from(frame.data, 'base64');
    if (data.length > ATTACHMENT_PART_BYTES) throw new CodedError('payload_too_large', `${what}: a part may hold at most ${ATTACHMENT_PART_BYTES} bytes`);
    if (upload.bytes + data.length > MAX_ATTACHMENT_BYTES) throw new CodedError('payload_too_large', `${what}: a file may be at most ${MAX_ATTACHMENT_BYTES} bytes (20 MiB)`);
    upload.received.push(data);
    upload.bytes += data.length;
    upload.timer.refresh();
  }

  private forget(key: string): void {
    const upload = this.open.get(key);
    if (upload) clearTimeout(upload.timer);
    this.open.delete(key);
  }
}
