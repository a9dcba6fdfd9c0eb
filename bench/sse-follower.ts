/**
 * A live follower of one job's log, as the dashboard follows it: `GET /api/jobs/:id/logs/stream`
 * (server-sent events). Events must arrive in order without gaps; each one the bench executor
 * stamped (`"message":"t<ms>"`) gives a lag sample, since the executor runs in this process too.
 */
import { get, type IncomingMessage } from 'node:http';
import type { PipelineTarget } from './jobs-spec.js';

const EVENT_ID = /^id: (\d+)$/gm;
const EMIT_TIME = /"message":"t(\d+\.\d+)"/g;
const END = /^event: end$/m;

export class SseFollower {
  /** Highest event id received. */
  lastSeq = 0;
  /** When the newest event arrived (performance.now()). */
  lastAt = 0;
  readonly lags: number[] = [];
  /** Resolves at the stream's `end` event; rejects on an HTTP error, a gap, or a dropped stream. */
  readonly ended: Promise<void>;
  private response: IncomingMessage | undefined;
  private carry = '';
  private resolveEnd: () => void = () => undefined;
  private rejectEnd: (error: Error) => void = () => undefined;

  constructor(target: PipelineTarget, jobId: number) {
    this.ended = new Promise((resolve, reject) => {
      this.resolveEnd = resolve;
      this.rejectEnd = reject;
    });
    // Awaited later; this keeps a failure before then from also being an unhandled rejection.
    this.ended.catch(() => undefined);
    // The token goes in the header: the master refuses one in the URL (issue 12).
    const url = `${target.httpUrl}/api/jobs/${jobId}/logs/stream`;
    const request = get(url, { agent: false, headers: { authorization: `Bearer ${target.adminToken}` } }, (response) => this.attach(response));
    request.on('error', (error) => this.rejectEnd(error));
  }

  /** Stops reading for `ms` (the socket's buffers fill and the server sees back-pressure), then resumes. */
  pause(ms: number): void {
    this.response?.pause();
    setTimeout(() => this.response?.resume(), ms);
  }

  close(): void {
    this.response?.destroy();
  }

  private attach(response: IncomingMessage): void {
    this.response = response;
    if (response.statusCode !== 200) return this.rejectEnd(new Error(`the log stream answered HTTP ${response.statusCode}`));
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.onData(chunk));
    response.on('end', () => this.rejectEnd(new Error(`the log stream ended without an end event after id ${this.lastSeq}`)));
  }

  private onData(chunk: string): void {
    const now = performance.now();
    const text = this.carry + chunk;
    // Only whole events are parsed; a partial one waits for the rest.
    const end = text.lastIndexOf('\n\n');
    const cut = end < 0 ? 0 : end + 2;
    const complete = text.slice(0, cut);
    this.carry = text.slice(cut);
    for (const match of complete.matchAll(EVENT_ID)) {
      const seq = Number(match[1]);
      if (seq !== this.lastSeq + 1) return this.rejectEnd(new Error(`the log stream skipped from id ${this.lastSeq} to ${seq}`));
      this.lastSeq = seq;
      this.lastAt = now;
    }
    for (const match of complete.matchAll(EMIT_TIME)) this.lags.push(now - Number(match[1]));
    if (END.test(complete)) this.resolveEnd();
  }
}
