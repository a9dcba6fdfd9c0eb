import { MAX_ATTACHMENT_BYTES, type Attachment } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import type { ChatContext } from './router.js';
import { errorText, type IncomingFile, type JobGateway, type Transcriber } from './types.js';

/** What a message asks of Codex once its files are dealt with. */
export interface PreparedRequest {
  prompt: string;
  attachments: Attachment[];
}

/** What preparing a message needs of the engine. */
export interface FileHandling {
  gateway: JobGateway;
  transcriber: Transcriber | undefined;
}

/** Thrown to stop a request, with the text (plain) the user is told. */
class Refusal extends Error {}

/** "20 MB" in the reader's words. */
function size(t: Catalog, bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return t.files.megabytes(mb >= 10 ? String(Math.round(mb)) : mb.toFixed(1));
}

/**
 * The request a message makes: its text, a voice note's transcript (shown in the chat first), and
 * its photos and documents uploaded for the job. Undefined when there is nothing to run, or when
 * a file cannot go (too large, files unsupported here, no transcriber): then the user has been
 * told why and nothing runs, since a request without the file it refers to would mislead Codex.
 */
export async function prepareRequest(ctx: ChatContext, handling: FileHandling): Promise<PreparedRequest | undefined> {
  const text = ctx.message.text.trim();
  const files = ctx.message.files ?? [];
  if (files.length === 0) return text === '' ? undefined : { prompt: text, attachments: [] };
  try {
    const spoken: string[] = [];
    const attachments: Attachment[] = [];
    for (const file of files) {
      if (file.kind === 'voice') spoken.push(await transcribe(ctx, handling.transcriber, file));
      else attachments.push(await upload(ctx.t, handling.gateway, file));
    }
    const prompt = [text, ...spoken].filter((part) => part !== '').join('\n\n');
    if (prompt === '' && attachments.length === 0) return undefined;
    return { prompt: prompt === '' ? ctx.t.files.onlyFiles : prompt, attachments };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    await ctx.reply(ctx.output.markup.escape(error.message));
    return undefined;
  }
}

/** A file's content, refused before it is fetched when the platform says it is too large (and after, when it did not say). */
async function fetchWithin(t: Catalog, file: IncomingFile): Promise<Buffer> {
  const tooLarge = (bytes: number) => new Refusal(t.files.tooLarge(file.name, size(t, bytes), size(t, MAX_ATTACHMENT_BYTES)));
  if (file.bytes > MAX_ATTACHMENT_BYTES) throw tooLarge(file.bytes);
  const content = await file.fetch();
  if (content.length > MAX_ATTACHMENT_BYTES) throw tooLarge(content.length);
  return content;
}

async function upload(t: Catalog, gateway: JobGateway, file: IncomingFile): Promise<Attachment> {
  if (!gateway.upload) throw new Refusal(t.files.notSupported);
  const content = await fetchWithin(t, file);
  try {
    return await gateway.upload({ name: file.name, mime: file.mime, kind: file.kind === 'image' ? 'image' : 'file', content });
  } catch (error) {
    throw new Refusal(t.files.uploadFailed(file.name, errorText(t, error)));
  }
}

/** A voice note's words, shown in the thread ("🎙️ …") before the job starts. */
async function transcribe(ctx: ChatContext, transcriber: Transcriber | undefined, file: IncomingFile): Promise<string> {
  const { t } = ctx;
  if (!transcriber) throw new Refusal(t.files.noTranscriber);
  const audio = await fetchWithin(t, file);
  // The user's own language (ISO 639-1) helps the service; unknown, it detects the language itself.
  const language = ctx.message.language?.split(/[-_]/)[0]?.toLowerCase() || undefined;
  let words: string;
  try {
    words = (await transcriber.transcribe(audio, file.name, file.mime, language)).trim();
  } catch (error) {
    throw new Refusal(t.files.transcribeFailed(errorText(t, error)));
  }
  if (words === '') throw new Refusal(t.files.emptyTranscript);
  await ctx.reply(ctx.output.markup.escape(t.files.transcript(words)));
  return words;
}
