import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeTransportError } from '../protocol/master-socket.js';

/** How a program run ended: its exit code (null: killed or never started) and output. */
export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when it could not be started (ENOENT: not found) or timed out. */
  error?: NodeJS.ErrnoException | undefined;
}

/** Runs a program without a shell and never rejects: the doctor reports whatever happened. */
export function runProgram(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProgramRun> {
  return new Promise((resolve) => {
    execFile(command, args, { env: options.env, timeout: options.timeoutMs ?? 10_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
      // A non-zero exit is an answer, not a failure to run: only then is `error` left unset.
      const startFailure = failure !== null && typeof failure.code !== 'number' ? failure : undefined;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), error: startFailure });
    });
  });
}

/** An HTTP answer, its body read as text (at most 64 KiB: the doctor reads small JSON answers). */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** PEM CAs for an `https://` URL (`--ca`); undefined: the public ones. */
  ca?: Buffer | undefined;
  /** Accept any certificate: only to identify what listens on a port, never with a credential. */
  insecure?: boolean;
  timeoutMs?: number;
}

const MAX_BODY = 64 * 1024;

/**
 * One request over node:http(s) (the global fetch of Node 20 takes no CA per request). Rejects
 * with the network error when no answer came, including after `timeoutMs` (5 s); no error names
 * the URL, which may carry a token (Telegram's).
 */
export function httpRequestText(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const secure = url.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      timeout: options.timeoutMs ?? 5_000,
      ...(secure && options.ca !== undefined ? { ca: options.ca } : {}),
      ...(secure && options.insecure === true ? { rejectUnauthorized: false } : {}),
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs ?? 5_000} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

/** A network failure in words a person can act on (nothing listening, TLS trust, a timeout). */
export function describeNetworkError(error: unknown, url: string): string {
  const failure = error as NodeJS.ErrnoException;
  if (failure.code === 'ECONNREFUSED') return `nothing listens at ${url}`;
  if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') return `the host of ${url} cannot be resolved (${failure.code})`;
  return describeTransportError(failure, url);
}

/** Parses JSON, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
