import { MAX_OUTBOX_FILE_BYTES } from '../protocol/index.js';
import type { ChatFile, SequencedJobEvent } from './types.js';

/** At most this many outbox files are kept per job (the node sends at most 10). */
const MAX_FILES = 10;

/** One outbox file as its `file` events bring it: base64 parts 0..n-1. */
interface Incoming {
  mime: string;
  bytes: number;
  count: number;
  parts: Map<number, string>;
}

/**
 * The files a job left in its outbox (`.csc/outbox/`), put together from their `file` events
 * (in any order, repeats ignored). Only whole files of the size they announced are sent: a part
 * lost on the way leaves the file out rather than sending a broken one.
 */
export class OutboxFiles {
  private readonly files = new Map<string, Incoming>();

  add(events: readonly SequencedJobEvent[]): void {
    for (const { event } of events) {
      if (event.kind !== 'file' || event.bytes > MAX_OUTBOX_FILE_BYTES || event.part >= event.parts) continue;
      let file = this.files.get(event.name);
      if (!file) {
        if (this.files.size >= MAX_FILES) continue;
        file = { mime: event.mime, bytes: event.bytes, count: event.parts, parts: new Map() };
        this.files.set(event.name, file);
      }
      if (!file.parts.has(event.part)) file.parts.set(event.part, event.data);
    }
  }

  /** The whole files, in the order they began to arrive; `caption` goes under each. */
  whole(caption: string): ChatFile[] {
    const done: ChatFile[] = [];
    for (const [name, file] of this.files) {
      const content = assemble(file);
      if (content) done.push({ name, content, caption });
    }
    return done;
  }
}

function assemble(file: Incoming): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let part = 0; part < file.count; part++) {
    const data = file.parts.get(part);
    if (data === undefined) return undefined;
    parts.push(Buffer.from(data, 'base64'));
  }
  const content = Buffer.concat(parts);
  return content.length === file.bytes ? content : undefined;
}
