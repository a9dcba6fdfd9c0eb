import type { Api, Context } from 'grammy';
import type { Document, Message, PhotoSize, Voice } from 'grammy/types';
import type { IncomingFile, IncomingMessage } from '../../chat/index.js';

/** A grammY context holding a message. */
export type MessageContext = Context & { message: NonNullable<Context['message']> };

const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** `/command@Bot` at the start of a text: the command and the bot it is addressed to. */
const ADDRESSED = /^(\/[A-Za-z0-9_]+)@([A-Za-z0-9_]+)/;

/** Whether the bot reads a message: a text, or a photo, document or voice note (with or without a caption). */
export function isReadable(message: Message): boolean {
  return message.text !== undefined || message.photo !== undefined || message.document !== undefined || message.voice !== undefined;
}

/**
 * Whether a message's command is addressed to another bot (`/status@OtherBot`): in a group every
 * bot sees it, and only the one named should answer.
 */
export function isForOtherBot(ctx: MessageContext): boolean {
  const addressed = ADDRESSED.exec(ctx.message.text ?? ctx.message.caption ?? '');
  return addressed !== null && addressed[2]?.toLowerCase() !== ctx.me.username.toLowerCase();
}

/**
 * A grammY message in the engine's terms: its text (or a file's caption) with our `@bot` taken
 * off its command, the sender's `language_code`, and its photo, document or voice note as files
 * fetched only when asked.
 */
export function toIncoming(ctx: MessageContext): IncomingMessage {
  const { message } = ctx;
  const from = message.from;
  const name = from?.username ?? from?.first_name;
  const files = filesOf(message, ctx.api);
  return {
    platform: 'telegram',
    chatId: String(message.chat.id),
    ...(message.is_topic_message === true && message.message_thread_id !== undefined ? { threadId: String(message.message_thread_id) } : {}),
    messageId: String(message.message_id),
    userId: String(from?.id ?? message.chat.id),
    ...(name === undefined ? {} : { userName: name }),
    ...(from?.language_code === undefined ? {} : { language: from.language_code }),
    text: stripOwnAddress(message.text ?? message.caption ?? '', ctx.me.username),
    ...(files.length === 0 ? {} : { files }),
    raw: ctx.update as unknown as Record<string, unknown>,
  };
}

/** `/status@OurBot args` → `/status args`. */
function stripOwnAddress(text: string, username: string): string {
  const addressed = ADDRESSED.exec(text);
  if (!addressed || addressed[2]?.toLowerCase() !== username.toLowerCase()) return text;
  return `${addressed[1] ?? ''}${text.slice(addressed[0].length)}`;
}

function filesOf(message: Message, api: Api): IncomingFile[] {
  const files: IncomingFile[] = [];
  if (message.photo !== undefined && message.photo.length > 0) files.push(photoFile(message.photo, api));
  if (message.document !== undefined) files.push(documentFile(message.document, api));
  if (message.voice !== undefined) files.push(voiceFile(message.voice, api));
  return files;
}

/** Telegram sends a photo in several sizes; the largest is the one worth reading. */
function photoFile(sizes: PhotoSize[], api: Api): IncomingFile {
  const largest = sizes.reduce((best, size) => (size.width * size.height > best.width * best.height ? size : best));
  // Telegram re-encodes every photo as JPEG and gives it no name.
  return { kind: 'image', name: `photo-${largest.file_unique_id}.jpg`, mime: 'image/jpeg', bytes: largest.file_size ?? 0, fetch: () => download(api, largest.file_id) };
}

/** A document is a file; an image sent uncompressed ("as a file") is still an image. */
function documentFile(document: Document, api: Api): IncomingFile {
  const mime = document.mime_type ?? 'application/octet-stream';
  return {
    kind: mime.startsWith('image/') ? 'image' : 'file',
    name: document.file_name ?? `document-${document.file_unique_id}`,
    mime,
    bytes: document.file_size ?? 0,
    fetch: () => download(api, document.file_id),
  };
}

function voiceFile(voice: Voice, api: Api): IncomingFile {
  // Telegram records voice notes as Opus in Ogg.
  return { kind: 'voice', name: `voice-${voice.file_unique_id}.ogg`, mime: voice.mime_type ?? 'audio/ogg', bytes: voice.file_size ?? 0, fetch: () => download(api, voice.file_id) };
}

/**
 * `getFile`, then `GET {apiRoot}/file/bot<token>/<file_path>`. Errors never carry the URL: it
 * holds the bot token.
 */
async function download(api: Api, fileId: string): Promise<Buffer> {
  const file = await api.getFile(fileId);
  if (file.file_path === undefined) throw new Error('Telegram gave no file_path for the file');
  const root = api.options?.apiRoot ?? DEFAULT_API_ROOT;
  const response = await fetch(`${root}/file/bot${api.token}/${file.file_path}`);
  if (!response.ok) throw new Error(`Telegram refused the file download (HTTP ${response.status})`);
  return Buffer.from(await response.arrayBuffer());
}
