import { clipText, type Transcriber } from '../chat/index.js';
import type { TranscriptionSettings } from '../config/index.js';

/** Past this a transcription is given up (a voice note of a few minutes takes seconds). */
const DEFAULT_TIMEOUT_MS = 120_000;
/** Longest part of the endpoint's error body quoted in the chat. */
const MAX_QUOTED = 300;

/**
 * Voice notes through an OpenAI-compatible `POST {url}/audio/transcriptions` (OpenAI itself,
 * a local whisper server, Groq, ...): `multipart/form-data` with `file`, `model` and, when the user's
 * language is known, `language` (ISO-639-1: Telegram's `ko`, Slack's `en-US` → `en`). Rejects with
 * a message fit for the chat: the endpoint's own reason when it refuses.
 */
export class OpenAiTranscriber implements Transcriber {
  constructor(
    private readonly settings: TranscriptionSettings,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  async transcribe(audio: Buffer, name: string, mime: string, language?: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(audio)], { type: mime }), name);
    form.append('model', this.settings.model);
    const iso = isoLanguage(language);
    if (iso !== undefined) form.append('language', iso);
    form.append('response_format', 'json');
    const headers: Record<string, string> = this.settings.apiKey === undefined ? {} : { authorization: `Bearer ${this.settings.apiKey}` };
    const url = `${this.settings.url}/audio/transcriptions`;
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', body: form, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new Error(`the transcription service at ${this.settings.url} did not answer (${reason(error)})`, { cause: error });
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`the transcription service refused the voice note (HTTP ${response.status}: ${errorMessage(body)})`);
    return transcriptOf(body);
  }
}

/** `ko`, `en-US`, `pt_BR` → `ko`, `en`, `pt`; anything else is left for the service to detect. */
export function isoLanguage(language: string | undefined): string | undefined {
  const primary = language?.split(/[-_]/)[0]?.toLowerCase();
  return primary !== undefined && /^[a-z]{2}$/.test(primary) ? primary : undefined;
}

/** `{"text": …}` (json and verbose_json); a server that answers plain text is taken at its word. */
function transcriptOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body.trim();
  }
  const text = (parsed as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') throw new Error('the transcription service answered without a transcript');
  return text.trim();
}

/** OpenAI's `{"error": {"message": …}}`, or the start of whatever else came back. */
function errorMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return clipText(message, MAX_QUOTED);
  } catch {
    // Not JSON: quote it as it is.
  }
  return clipText(body.trim(), MAX_QUOTED) || 'no reason given';
}

function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
