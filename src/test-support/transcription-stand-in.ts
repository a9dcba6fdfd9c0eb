import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One transcription request as the stand-in parsed it from its `multipart/form-data`. */
export interface TranscriptionRequest {
  url: string;
  authorization: string | undefined;
  model: string | undefined;
  language: string | undefined;
  responseFormat: string | undefined;
  fileName: string | undefined;
  fileType: string | undefined;
  file: Buffer;
}

/** A scripted answer: a transcript, or an OpenAI-style error. */
export type TranscriptionStep = { text: string } | { status: number; message: string };

/**
 * OpenAI's `POST /v1/audio/transcriptions` on 127.0.0.1: parses the multipart form as the real
 * API does (a `file` part with its filename, `model`, `language`, `response_format`), records it,
 * and answers `{"text": …}` from the script (or `fallback`), errors as `{"error": {message, type}}`.
 * Requests that need a key (`apiKey`) without the right bearer get a 401, as OpenAI's does.
 */
export class TranscriptionStandIn {
  readonly requests: TranscriptionRequest[] = [];
  private readonly script: TranscriptionStep[] = [];

  private constructor(
    private readonly server: Server,
    readonly apiKey: string | undefined,
    private readonly fallback: string,
  ) {}

  static async start(options: { apiKey?: string; fallback?: string } = {}): Promise<TranscriptionStandIn> {
    const server = createServer();
    const standIn = new TranscriptionStandIn(server, options.apiKey, options.fallback ?? 'a transcript');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return standIn;
  }

  /** `http://127.0.0.1:port/v1`, what `CHAT_TRANSCRIBE_URL` takes. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Answers the next requests with these, in order. */
  enqueue(...steps: TranscriptionStep[]): void {
    this.script.push(...steps);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return sendError(res, 404, `Unknown request URL: ${req.method ?? ''} ${req.url ?? ''}`, 'invalid_request_error');
    if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error');
    let form: FormData;
    try {
      form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    } catch {
      return sendError(res, 400, 'Could not parse multipart form', 'invalid_request_error');
    }
    const file = form.get('file');
    if (!(file instanceof File)) return sendError(res, 400, "1 validation error for Request\nbody -> file\n  field required", 'invalid_request_error');
    this.requests.push({
      url: req.url,
      authorization: req.headers.authorization,
      model: textField(form, 'model'),
      language: textField(form, 'language'),
      responseFormat: textField(form, 'response_format'),
      fileName: file.name,
      fileType: file.type,
      file: Buffer.from(await file.arrayBuffer()),
    });
    const step = this.script.shift() ?? { text: this.fallback };
    if ('status' in step) return sendError(res, step.status, step.message, 'server_error');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: step.text }));
  }
}

function textField(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}
