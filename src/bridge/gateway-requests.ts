import type { UploadFile } from '../chat/index.js';
import { ATTACHMENT_PART_BYTES, type Frame } from '../protocol/index.js';

type AttachmentUploadFrame = Extract<Frame, { type: 'attachment_upload' }>;

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/**
 * Requests answered by one frame that carries their `requestId` (or an `error` with it), each
 * given up after its deadline; a late answer then finds nobody waiting and is dropped.
 */
export class PendingRequests<T> {
  private readonly waiting = new Map<string, Waiting<T>>();

  /** Registers `requestId`, then `send`s the request, so that an answer read at once is not missed. */
  open(requestId: string, send: () => void, ms: number, onTimeout: () => Error): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      send();
    });
    return withDeadline(answer, ms, () => {
      this.waiting.delete(requestId);
      return onTimeout();
    });
  }

  /** Resolves the request; false when nobody waits for it. */
  settle(requestId: string, value: T): boolean {
    const waiting = this.take(requestId);
    waiting?.resolve(value);
    return waiting !== undefined;
  }

  /** Rejects the request; false when nobody waits for it. */
  fail(requestId: string, error: Error): boolean {
    const waiting = this.take(requestId);
    waiting?.reject(error);
    return waiting !== undefined;
  }

  private take(requestId: string): Waiting<T> | undefined {
    const waiting = this.waiting.get(requestId);
    this.waiting.delete(requestId);
    return waiting;
  }
}

/** `answer`, or the error `onTimeout` makes once `ms` have passed without it. */
export function withDeadline<T>(answer: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms).unref();
    answer.finally(() => clearTimeout(timer)).then(resolve, reject);
  });
}

/** A file as `attachment_upload` frames: parts of `ATTACHMENT_PART_BYTES` in order (an empty file is one empty part). */
export function uploadFrames(requestId: string, file: UploadFile): AttachmentUploadFrame[] {
  const parts = Math.max(1, Math.ceil(file.content.length / ATTACHMENT_PART_BYTES));
  return Array.from({ length: parts }, (_, part) => ({
    type: 'attachment_upload' as const,
    requestId,
    name: file.name,
    mime: file.mime,
    part,
    parts,
    data: file.content.subarray(part * ATTACHMENT_PART_BYTES, (part + 1) * ATTACHMENT_PART_BYTES).toString('base64'),
  }));
}
