/** Files users send and bot commands the bot sets, as the Bot API has them, for the Telegram stand-in. */

/** What a user attaches to a message (the stand-in turns it into `photo`, `document` or `voice`). */
export type UserFile =
  | { kind: 'photo'; content: Buffer }
  | { kind: 'document'; content: Buffer; fileName?: string; mimeType?: string; omitSize?: boolean }
  | { kind: 'voice'; content: Buffer; mimeType?: string };

/** A file the stand-in keeps: `getFile` tells its path, `/file/bot<token>/<path>` serves it. */
interface StoredFile {
  fileId: string;
  uniqueId: string;
  path: string;
  content: Buffer;
}

/** A command the bot set with `setMyCommands`. */
export interface BotCommand {
  command: string;
  description: string;
}

type Refusal = { ok: false; error_code: number; description: string };

/** Telegram serves bots files of at most 20 MB. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** A photo's sizes, as fractions of the largest: Telegram sends thumbnails with every photo, smallest first. */
const PHOTO_SCALES = [0.1, 0.4, 1];

/**
 * The files users sent and the commands the bot set. Photos come as several `PhotoSize`s, the
 * largest last (the thumbnails are other bytes, so a client that takes the wrong one is seen);
 * `getFile` refuses files over 20 MB the way Telegram does.
 */
export class TelegramFiles {
  /** `setMyCommands` as it stands, by `language_code` (`''`: the default list). */
  readonly commands = new Map<string, BotCommand[]>();
  private readonly files = new Map<string, StoredFile>();
  private nextId = 1;

  /** The message fields for a user's file (`photo`, `document` or `voice`). */
  attach(file: UserFile): Record<string, unknown> {
    switch (file.kind) {
      case 'photo':
        return { photo: PHOTO_SCALES.map((scale) => this.photoSize(file.content, scale)) };
      case 'document': {
        const stored = this.store(file.content, `documents/file_${this.nextId}${extensionOf(file.fileName)}`);
        const size = file.omitSize === true ? {} : { file_size: file.content.length };
        return { document: { file_id: stored.fileId, file_unique_id: stored.uniqueId, ...(file.fileName === undefined ? {} : { file_name: file.fileName }), ...(file.mimeType === undefined ? {} : { mime_type: file.mimeType }), ...size } };
      }
      case 'voice': {
        const stored = this.store(file.content, `voice/file_${this.nextId}.oga`);
        return { voice: { file_id: stored.fileId, file_unique_id: stored.uniqueId, duration: 3, mime_type: file.mimeType ?? 'audio/ogg', file_size: file.content.length } };
      }
    }
  }

  /** `getFile`: the `File` object, or Telegram's refusal. */
  getFile(payload: Record<string, unknown>): { ok: true; result: unknown } | Refusal {
    const stored = this.files.get(String(payload.file_id));
    if (!stored) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' };
    if (stored.content.length > MAX_DOWNLOAD_BYTES) return { ok: false, error_code: 400, description: 'Bad Request: file is too big' };
    return { ok: true, result: { file_id: stored.fileId, file_unique_id: stored.uniqueId, file_size: stored.content.length, file_path: stored.path } };
  }

  /** The bytes at a `file_path`, as `GET /file/bot<token>/<file_path>` serves them. */
  download(path: string): Buffer | undefined {
    return [...this.files.values()].find((f) => f.path === path)?.content;
  }

  /** `setMyCommands`: Telegram's limits checked, the list kept per language. */
  setMyCommands(payload: Record<string, unknown>): { ok: true; result: true } | Refusal {
    const commands = (typeof payload.commands === 'string' ? JSON.parse(payload.commands) : payload.commands) as BotCommand[] | undefined;
    if (!Array.isArray(commands) || commands.length > 100) return { ok: false, error_code: 400, description: 'Bad Request: field "commands" must be an Array of BotCommand' };
    if (!commands.every((c) => /^[a-z0-9_]{1,32}$/.test(c.command))) return { ok: false, error_code: 400, description: 'Bad Request: BOT_COMMAND_INVALID' };
    if (!commands.every((c) => typeof c.description === 'string' && c.description.length >= 1 && c.description.length <= 256)) return { ok: false, error_code: 400, description: 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID' };
    const language = typeof payload.language_code === 'string' ? payload.language_code : '';
    if (language !== '' && !/^[a-z]{2}$/.test(language)) return { ok: false, error_code: 400, description: 'Bad Request: invalid language code specified' };
    this.commands.set(language, commands);
    return { ok: true, result: true };
  }

  private photoSize(content: Buffer, scale: number): Record<string, unknown> {
    // A thumbnail's bytes differ from the photo's: the first bytes, as many as its scale.
    const bytes = scale === 1 ? content : content.subarray(0, Math.max(1, Math.floor(content.length * scale)));
    const stored = this.store(bytes, `photos/file_${this.nextId}.jpg`);
    return { file_id: stored.fileId, file_unique_id: stored.uniqueId, width: Math.round(1280 * scale), height: Math.round(960 * scale), file_size: bytes.length };
  }

  private store(content: Buffer, path: string): StoredFile {
    const id = this.nextId++;
    const stored = { fileId: `AgACAgQAAx${id}kBAAI`, uniqueId: `AQAD${id}`, path, content };
    this.files.set(stored.fileId, stored);
    return stored;
  }
}

function extensionOf(name: string | undefined): string {
  const dot = name?.lastIndexOf('.') ?? -1;
  return name !== undefined && dot > 0 ? name.slice(dot) : '';
}
