import { z } from 'zod';

/**
 * Files that travel with a job. In: a chat's photo or document, uploaded by the bridge to the
 * master in parts (`attachment_upload` → `attachment_stored`), named by the job (`JobSpec.attachments`),
 * and sent to its node in parts (`job_attachment`) before the run; the node puts it in the job's
 * workspace (`.csc/inbox/<name>`), an image also as an image input. Out: files Codex writes to the
 * job's outbox (`.csc/outbox/`) come back as `file` job events, in parts, like a diff.
 */

/** Largest file a chat may send with a request (Telegram bots can fetch 20 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** Largest file that comes back from a job's outbox. */
export const MAX_OUTBOX_FILE_BYTES = 10 * 1024 * 1024;
/** Raw bytes per part of an upload, a `job_attachment` or a `file` event (base64 makes it 4/3). */
export const ATTACHMENT_PART_BYTES = 256 * 1024;

export const AttachmentIdSchema = z.string().regex(/^[a-f0-9]{64}$/, 'an attachment id is a SHA-256 in hex');
const FileNameSchema = z.string().min(1).max(200).regex(/^[^/\\\0]+$/).refine((name) => name !== '.' && name !== '..', 'not a file name');

/** A file of a job: `image` files also go to Codex as image inputs. */
export const AttachmentSchema = z.object({
  id: AttachmentIdSchema,
  name: FileNameSchema,
  mime: z.string().min(1).max(200),
  kind: z.enum(['image', 'file']),
  bytes: z.number().int().min(0).max(MAX_ATTACHMENT_BYTES),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Bridge → master: one part of a file (parts in order, from 0). Answered by `attachment_stored` once the last part is in. */
export const AttachmentUploadFrameSchema = z.object({
  type: z.literal('attachment_upload'),
  requestId: z.string().min(1).max(64),
  name: FileNameSchema,
  mime: z.string().min(1).max(200),
  part: z.number().int().min(0),
  parts: z.number().int().positive().max(Math.ceil(MAX_ATTACHMENT_BYTES / ATTACHMENT_PART_BYTES)),
  /** Base64 of at most `ATTACHMENT_PART_BYTES`. */
  data: z.string().max(Math.ceil(ATTACHMENT_PART_BYTES / 3) * 4),
});

/** Master → bridge: the uploaded file is stored under its SHA-256 (or the upload was refused: `error` with the `requestId`). */
export const AttachmentStoredFrameSchema = z.object({ type: z.literal('attachment_stored'), requestId: z.string().min(1).max(64), attachment: AttachmentSchema });

/** Master → node: one part of one of a job's attachments, after its `job_assign` (the node runs once all are in). */
export const JobAttachmentFrameSchema = z.object({
  type: z.literal('job_attachment'),
  jobId: z.number().int().positive(),
  id: AttachmentIdSchema,
  part: z.number().int().min(0),
  parts: z.number().int().positive(),
  data: z.string().max(Math.ceil(ATTACHMENT_PART_BYTES / 3) * 4),
});

/** Job event: one part of a file Codex left in the job's outbox (`.csc/outbox/`), in order. */
export const FileEventSchema = z.object({
  kind: z.literal('file'),
  name: FileNameSchema,
  mime: z.string().min(1).max(200),
  bytes: z.number().int().min(0),
  part: z.number().int().min(0),
  parts: z.number().int().positive(),
  data: z.string(),
});
export type FileEvent = z.infer<typeof FileEventSchema>;
