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

/**
 * A thin client of the master's HTTP API for the CLI. It speaks through node:http(s) rather than
 * the global fetch, which on Node 20 cannot take a CA (`--ca`) per request; the undici that could
 * is only a transitive dependency of Slack's SDK here, not one of ours.
 */
export class ApiClient {
  constructor(private readonly config: ClientConfig) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body));
    const text = await readBody(res);
    let json: { error?: { code: string; message: string } } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new ApiClientError(json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${status}`);
    return json as T;
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

  /** One request with the admin token; resolves with the response once its head has arrived. */
  private send(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(`${this.config.baseUrl}${path}`);
    const headers: Record<string, string> = { authorization: `Bearer ${this.config.adminToken}` };
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

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}
