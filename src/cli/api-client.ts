import type { ClientConfig } from '../config/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';

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

/** A thin client of the master's HTTP API for the CLI. */
export class ApiClient {
  constructor(private readonly config: ClientConfig) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const json = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    if (!res.ok) throw new ApiClientError(json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${res.status}`);
    return json as T;
  }

  /** Yields a job's events from `after` on, live, until the job ends (the stream closes). */
  async *follow(jobId: number, after: number, signal?: AbortSignal): AsyncGenerator<SequencedJobEvent> {
    const res = await this.fetch(`/api/jobs/${jobId}/logs/stream?after=${after}`, signal ? { signal } : {});
    if (!res.ok || !res.body) throw new ApiClientError('http_error', `cannot follow job ${jobId}: HTTP ${res.status}`);
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (/^event: job_event$/m.test(message) && data !== undefined) yield JSON.parse(data) as SequencedJobEvent;
      }
    }
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.config.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.config.adminToken}`, ...init.headers },
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiClientError('unreachable', `cannot reach the master at ${this.config.baseUrl}: ${(error as Error).message}`, { cause: error });
    }
  }
}
