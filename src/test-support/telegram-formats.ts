/** Telegram's wire formats as the stand-in checks them: MarkdownV2 entities, multipart uploads and documents. */

/** A multipart/form-data upload: its text fields, and its files by part name. */
export interface Multipart {
  fields: Record<string, string>;
  files: Map<string, { fileName: string; content: Buffer }>;
}

const MDV2_RESERVED = '_*[]()~`>#+-=|{}.!';

/** The length Telegram counts for a MarkdownV2 text, or the error it answers for bad entities. */
export function checkMarkdownV2(text: string): { length: number } | { error: string } {
  let length = 0;
  const open: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      i++;
      length++;
      continue;
    }
    const inCode = open.at(-1) === '`';
    if (ch === '`' || (!inCode && '*_~'.includes(ch))) {
      if (open.at(-1) === ch) open.pop();
      else open.push(ch);
      continue;
    }
    if (!inCode && ch === '[') {
      const close = /^\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)/.exec(text.slice(i));
      if (!close) return { error: "Bad Request: can't parse entities: Character '[' is reserved and must be escaped with the preceding '\\'" };
      length += (close[1] ?? '').replace(/\\(.)/g, '$1').length;
      i += close[0].length - 1;
      continue;
    }
    if (!inCode && MDV2_RESERVED.includes(ch)) return { error: `Bad Request: can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'` };
    length++;
  }
  if (open.length > 0) return { error: `Bad Request: can't parse entities: Can't find end of the entity starting at byte offset ${text.length}` };
  return { length };
}

/**
 * Parses a multipart/form-data body as clients send it: grammY writes its headers in lower case
 * without spaces and leaves file names unquoted, curl and browsers quote them.
 */
export function parseMultipart(body: Buffer, contentType: string): Multipart {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ''}`);
  const parsed: Multipart = { fields: {}, files: new Map() };
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    const next = body.indexOf(delimiter, start);
    // The closing delimiter is followed by `--`; a body cut short has no next one.
    if (next < 0 || body.subarray(start, start + 2).toString() === '--') break;
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers);
    if (name !== undefined && fileName) parsed.files.set(name, { fileName: fileName[1] ?? fileName[2] ?? '', content: Buffer.from(content) });
    else if (name !== undefined) parsed.fields[name] = content.toString('utf8');
    at = next;
  }
  return parsed;
}

/** A file the bot uploaded with `sendDocument`. */
export interface BotDocument {
  chatId: number;
  messageId: number;
  fileName: string;
  size: number;
  content: Buffer;
  caption?: string;
  threadId?: number;
  replyTo?: number;
}

/** Telegram's limits on what a bot uploads. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_CAPTION = 1024;

/**
 * The document a `sendDocument` upload carries (the file as an `attach://` part or as the
 * `document` part itself), or Telegram's error for it; `messageId` is the one it gets.
 */
export function readDocument(payload: Record<string, unknown>, upload: Multipart | undefined, messageId: number): BotDocument | { error_code: number; description: string } {
  const reference = typeof payload.document === 'string' ? /^attach:\/\/(.+)$/.exec(payload.document)?.[1] : undefined;
  const file = upload?.files.get(reference ?? 'document');
  if (!file) return { error_code: 400, description: 'Bad Request: there is no document in the request' };
  if (file.content.length === 0) return { error_code: 400, description: 'Bad Request: file must be non-empty' };
  if (file.content.length > MAX_UPLOAD_BYTES) return { error_code: 413, description: 'Request Entity Too Large' };
  const caption = typeof payload.caption === 'string' ? payload.caption : undefined;
  if (caption !== undefined && caption.length > MAX_CAPTION) return { error_code: 400, description: 'Bad Request: message caption is too long' };
  // Multipart fields are text: objects arrive as JSON.
  const reply = typeof payload.reply_parameters === 'string' ? (JSON.parse(payload.reply_parameters) as { message_id?: number }) : undefined;
  return {
    chatId: Number(payload.chat_id),
    messageId,
    fileName: file.fileName,
    size: file.content.length,
    content: file.content,
    ...(caption === undefined ? {} : { caption }),
    ...(payload.message_thread_id === undefined ? {} : { threadId: Number(payload.message_thread_id) }),
    ...(reply?.message_id === undefined ? {} : { replyTo: reply.message_id }),
  };
}
