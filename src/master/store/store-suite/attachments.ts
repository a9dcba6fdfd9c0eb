import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES } from '../../../protocol/index.js';
import type { AttachmentStore } from '../attachment-store.js';
import type { SuiteContext } from './fixtures.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every part of a stored file of `bytes`, read as the sender reads them (an empty file is one empty part). */
async function readParts(store: AttachmentStore, id: string, bytes: number): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes || parts.length === 0; offset += ATTACHMENT_PART_BYTES) parts.push(await store.read(id, offset, ATTACHMENT_PART_BYTES));
  return parts;
}

export function attachmentCases({ open, reopen }: SuiteContext): void {
  describe('attachments', () => {
    it('stores a file once under its SHA-256, however often it is saved, and knows its size', async () => {
      const { attachments } = await open();
      const data = randomBytes(1000);
      const [first, second] = await Promise.all([attachments.save(data), attachments.save(data)]);
      expect(first).toBe(sha256(data));
      expect(second).toBe(first);
      expect(await attachments.save(Buffer.from(data))).toBe(first);
      expect(await attachments.size(first)).toBe(1000);
      expect(await attachments.size(sha256(Buffer.from('never saved')))).toBeUndefined();
      await expect(attachments.read(sha256(Buffer.from('never saved')), 0, 10)).rejects.toThrow();
    });

    it('reads a file back in parts, in order and byte for byte, and nothing past its end', async () => {
      const { attachments } = await open();
      const data = randomBytes(ATTACHMENT_PART_BYTES * 2 + 777);
      const id = await attachments.save(data);
      const parts = await readParts(attachments, id, data.length);
      expect(parts.map((part) => part.length)).toEqual([ATTACHMENT_PART_BYTES, ATTACHMENT_PART_BYTES, 777]);
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      expect((await attachments.read(id, 10, 5)).equals(data.subarray(10, 15))).toBe(true);
      expect(await attachments.read(id, data.length, ATTACHMENT_PART_BYTES)).toHaveLength(0);
    });

    it('stores an empty file, read as one empty part', async () => {
      const { attachments } = await open();
      const id = await attachments.save(Buffer.alloc(0));
      expect(id).toBe(sha256(Buffer.alloc(0)));
      expect(await attachments.size(id)).toBe(0);
      expect(await readParts(attachments, id, 0)).toEqual([Buffer.alloc(0)]);
    });

    it('stores a file one byte short of the limit, and reads its last part alone', async () => {
      const { attachments } = await open();
      const data = randomBytes(MAX_ATTACHMENT_BYTES - 1);
      const id = await attachments.save(data);
      expect(await attachments.size(id)).toBe(MAX_ATTACHMENT_BYTES - 1);
      const last = MAX_ATTACHMENT_BYTES - ATTACHMENT_PART_BYTES;
      const part = await attachments.read(id, last, ATTACHMENT_PART_BYTES);
      expect(part).toHaveLength(ATTACHMENT_PART_BYTES - 1);
      expect(part.equals(data.subarray(last))).toBe(true);
    });

    it.skipIf(reopen === undefined)('has a file durable once its save resolves, without a commit: a second store on the database reads it', async () => {
      const store = await open();
      const data = randomBytes(ATTACHMENT_PART_BYTES + 1);
      const id = await store.attachments.save(data);
      const other = await reopen!(store);
      expect(await other.attachments.size(id)).toBe(data.length);
      expect(Buffer.concat(await readParts(other.attachments, id, data.length)).equals(data)).toBe(true);
    });
  });
}
