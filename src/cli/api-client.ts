import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientConfig } from '../config/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { describeTransportError } from '../protocol/master-socket.js';

/** The master answered with an error body, or could not be reached. */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How one request is sent. */
export interface RequestOptions {
  /** Sent as `Idempotency-Key`: the master makes one job per key, however often the request arrives. */
  idempotencyKey?: string;
  /**
   * Send the request once more when its connection was reset before the answer came (the master
   * crashed or restarted mid-request). Only safe for requests that cannot take effect twice: a
   * create with an `idempotencyKey`.
   */
  retryOnReset?: boolean;
}

export interface ApiClientOptions {
  /** How long to wait before the one retry of `retryOnReset`, so that a restarting master can come back. */
  retryDelayMs?: number;
}

/** Error codes of a connection that broke after the request may have reached the master. */
const RESET_CODES: ReadonlySet<string | undefined> = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A thin client of the master's HTTP API for the CLI. It speaks through node:http(s) rather than
 * the global fetch, which on Node 20 cannot take a CA (`--ca`) per request; the undici that could
 * is only a transitive dependency of Slack's SDK here, not one of ours.
 */
export class ApiClient {
  constructor(
    private readonly config: ClientConfig,
    private readonly options: ApiClientOptions = {},
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { res, text } = await this.exchangeRetrying(method, path, payload, headers, options.retryOnReset === true);
    const json = parseJson(text) as { error?: { code: string; message: string } } | undefined;
    refuseErrors(res, json);
    return json as T;
  }

  /** A GET whose answer is text (a diff), returned as it came; an error answer throws as `request` does. */
  async text(path: string): Promise<string> {
    const { res, text } = await this.exchange('GET', path, undefined, {});
    refuseErrors(res, parseJson(text) as { error?: { code: string; message: string } } | undefined);
    return text;
  }

  /** Yields a job's events from `after` on, live, until the job ends (the stream closes). */
  async *follow(jobId: number, after: number, signal?: AbortSignal): AsyncGenerator<SequencedJobEvent> {
    const res = await this.send('GET', `/api/jobs/${jobId}/logs/stream?after=${after}`, undefined, signal);
    if (res.statusCode !== 200) {
      res.resume();
      throw new ApiClientError('http_error', `cannot follow job ${jobId}: HTTP ${res.statusCode ?? '?'}`);
    }
    res.setEncoding('utf8');
    let buffer = '';
    for await (const chunk of res) {
      buffer += chunk as string;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (/^event: job_event$/m.test(message) && data !== undefined) yield JSON.parse(data) as SequencedJobEvent;
      }
    }
  }

  /** `exchange`, and once more after a pause when `retry` and the connection was reset. */
  private async exchangeRetrying(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | undefined, headers: Record<string, string>, retry: boolean): Promise<{ res: IncomingMessage; text: string }> {
    try {
      return await this.exchange(method, path, body, headers);
    } catch (error) {
      if (!retry || !wasReset(error)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 1000));
    return this.exchange(method, path, body, headers);
  }

  /** One request and its whole answer; a connection broken while reading it is an `unreachable` too. */
  private async exchange(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | undefined, extra: Record<string, string>): Promise<{ res: IncomingMessage; text: string }> {
    const res = await this.send(method, path, body, undefined, extra);
    try {
      return { res, text: await readBody(res) };
    } catch (error) {
      throw new ApiClientError('unreachable', `lost the connection to the master at ${this.config.baseUrl} mid-answer`, { cause: error });
    }
  }

  /** One request with the admin token; resolves with the response once its head has arrived. */
  private send(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | undefined, signal?: AbortSignal, extra: Record<string, string> = {}): Promise<IncomingMessage> {
    const url = new URL(`${this.config.baseUrl}${path}`);
    const headers: Record<string, string> = Object.assign({ authorization: `Bearer ${this.config.adminToken}` }, extra);
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const options = { method, headers, ...(signal === undefined ? {} : { signal }), ...(this.config.ca === undefined ? {} : { ca: this.config.ca }) };
    return new Promise((resolve, reject) => {
      const req = request(url, options, resolve);
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') return reject(error);
        const why = describeTransportError(error, this.config.baseUrl);
        reject(new ApiClientError('unreachable', `cannot reach the master at ${this.config.baseUrl}: ${why}`, { cause: error }));
      });
      req.end(body);
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Throws the master's error (its code and message) for an answer that is not a 2xx. */
function refuseErrors(res: IncomingMessage, json: { error?: { code: string; message: string } } | undefined): void {
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new ApiClientError(json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${status}`);
}

/** Whether a request failed because its connection was reset (it may or may not have reached the master). */
function wasReset(error: unknown): boolean {
  const cause = error instanceof ApiClientError ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  return RESET_CODES.has(cause?.code);
}

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}
