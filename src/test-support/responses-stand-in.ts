import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from '../paths.js';

/** One output item of a scripted response, plus the text deltas streamed before it (messages). */
export interface StandInOutput {
  item: Record<string, unknown> & { type: string };
  deltas?: string[];
}

/** A successful streamed response; `delayMs` holds it open (after `response.created`) first. */
export interface OutputStep {
  output: StandInOutput[];
  delayMs?: number;
  /** Extra response headers, such as the `x-codex-primary-used-percent` rate-limit headers OpenAI sends. */
  headers?: Record<string, string>;
  usage?: { inputTokens: number; outputTokens: number };
}

/** A non-200 answer with a JSON body, sent after `delayMs`. */
export interface ErrorStep {
  status: number;
  body: unknown;
  delayMs?: number;
}

export type StandInStep = OutputStep | ErrorStep;

/** What the stand-in received, in order. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** True when the client went away before the answer was complete (a cancelled turn). */
  disconnected: boolean;
}

let ids = 0;
const nextId = (prefix: string): string => `${prefix}_${++ids}`;

/** A `function_call` of Codex's `exec_command` tool. */
export function execCommandCall(cmd: string, callId = nextId('call')): StandInOutput {
  return { item: { type: 'function_call', id: nextId('fc'), call_id: callId, name: 'exec_command', arguments: JSON.stringify({ cmd }) } };
}

/**
 * An `exec_command` that asks to leave the sandbox (`sandbox_permissions: require_escalated`): under
 * `on-request` Codex puts it to the client as a command approval, `justification` as its reason.
 */
export function escalatedCommandCall(cmd: string, justification = 'needs to write the marker', callId = nextId('call')): StandInOutput {
  return { item: { type: 'function_call', id: nextId('fc'), call_id: callId, name: 'exec_command', arguments: JSON.stringify({ cmd, sandbox_permissions: 'require_escalated', justification }) } };
}

/** A `custom_tool_call` of Codex's `apply_patch` tool; `patch` is a `*** Begin Patch` … `*** End Patch` text. */
export function applyPatchCall(patch: string, callId = nextId('call')): StandInOutput {
  return { item: { type: 'custom_tool_call', id: nextId('ctc'), call_id: callId, name: 'apply_patch', input: patch } };
}

/**
 * The headers with which OpenAI tells Codex how much of its rate-limit windows is used (Codex turns
 * them into `account/rateLimits/updated`): the primary window, `minutes` long, resetting at `resetsAt` (unix seconds).
 */
export function rateLimitHeaders(usedPercent: number, minutes = 300, resetsAt = Math.floor(Date.now() / 1000) + 600): Record<string, string> {
  return { 'x-codex-primary-used-percent': String(usedPercent), 'x-codex-primary-window-minutes': String(minutes), 'x-codex-primary-reset-at': String(resetsAt) };
}

/** A final assistant message, optionally streamed as `deltas` (which should add up to `text`). */
export function assistantMessage(text: string, deltas?: string[]): StandInOutput {
  const item = { type: 'message', role: 'assistant', id: nextId('msg'), content: [{ type: 'output_text', text, annotations: [] }] };
  return deltas === undefined ? { item } : { item, deltas };
}

/**
 * A scripted OpenAI Responses API on 127.0.0.1: each `POST /v1/responses` takes the next step of
 * the queue and answers it as server-sent events, so the real Codex binary runs offline.
 */
export class ResponsesStandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: StandInStep[] = [];
  private readonly open = new Set<ServerResponse>();
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  private constructor() {}

  static async start(): Promise<ResponsesStandIn> {
    const standIn = new ResponsesStandIn();
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The provider base URL, ending in `/v1`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Appends steps: one per model request, in order. */
  enqueue(...steps: StandInStep[]): void {
    this.queue.push(...steps);
  }

  /** Forgets the queue and the recorded requests, between tests that share one stand-in. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: parseJson(Buffer.concat(chunks)), disconnected: false };
      this.requests.push(record);
      this.open.add(res);
      res.on('close', () => {
        this.open.delete(res);
        if (!res.writableFinished) record.disconnected = true;
      });
      this.answer(record, res);
    });
  }

  private answer(record: RecordedRequest, res: ServerResponse): void {
    if (record.method !== 'POST' || !record.url.endsWith('/responses')) {
      sendJson(res, 404, { error: { message: `the stand-in only serves POST /v1/responses, not ${record.method} ${record.url}` } });
      return;
    }
    const step = this.queue.shift();
    if (step === undefined) {
      sendJson(res, 500, { error: { message: 'the stand-in has no scripted response left', type: 'server_error' } });
    } else if ('status' in step) {
      afterDelay(res, step.delayMs, () => sendJson(res, step.status, step.body));
    } else {
      streamOutput(res, step);
    }
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Runs `then` after `delayMs`, unless the client hangs up first (then nothing more is written). */
function afterDelay(res: ServerResponse, delayMs: number | undefined, then: () => void): void {
  if (!delayMs) return then();
  const timer = setTimeout(then, delayMs);
  res.on('close', () => clearTimeout(timer));
}

function streamOutput(res: ServerResponse, step: OutputStep): void {
  const responseId = nextId('resp');
  const send = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...step.headers });
  send('response.created', { response: { id: responseId } });
  afterDelay(res, step.delayMs, () => {
    step.output.forEach(({ item, deltas }, outputIndex) => {
      if (deltas !== undefined) {
        send('response.output_item.added', { output_index: outputIndex, item: { ...item, content: [] } });
        for (const delta of deltas) send('response.output_text.delta', { output_index: outputIndex, content_index: 0, item_id: item.id, delta });
      }
      send('response.output_item.done', { output_index: outputIndex, item });
    });
    const input = step.usage?.inputTokens ?? 10;
    const output = step.usage?.outputTokens ?? 5;
    const usage = { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
    send('response.completed', { response: { id: responseId, usage } });
    res.end();
  });
}

/** A private `CODEX_HOME` whose config points Codex at a stand-in and nothing else. */
export interface CodexHome {
  dir: string;
  /** What the Codex process needs in its environment: `CODEX_HOME` and the provider's key. */
  env: Record<string, string>;
  remove(): void;
}

const API_KEY_VARIABLE = 'CSC_STAND_IN_API_KEY';

/**
 * Writes a `CODEX_HOME` with a `config.toml` that routes every model request to `baseUrl`. It is
 * never under /tmp or `$TMPDIR` (Codex warns about such a home, and workspace-write lets a job write
 * there): tests write beside it to make Codex ask for a file outside every writable root. So it goes
 * under the repository's ignored `test-artifacts/`, unless the checkout itself is under /tmp (a CI
 * clone may be), then under /var/tmp or the home directory.
 */
export function writeCodexHome(baseUrl: string, model = 'gpt-5.5'): CodexHome {
  const dir = join(homeBase(), `codex-home-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.toml'), standInConfig(baseUrl, model));
  return {
    dir,
    env: { CODEX_HOME: dir, [API_KEY_VARIABLE]: 'stand-in-key' },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The first place for Codex homes that is outside the temporary directories. */
function homeBase(): string {
  const temporary = ['/tmp', tmpdir()].map((dir) => realpathSync(dir) + sep);
  const candidates = [join(PACKAGE_ROOT, 'test-artifacts'), '/var/tmp/csc-tests', join(homedir(), '.cache', 'csc-tests')];
  for (const base of candidates) {
    mkdirSync(base, { recursive: true });
    const real = realpathSync(base) + sep;
    if (!temporary.some((dir) => real.startsWith(dir))) return base;
  }
  throw new Error(`no place for a CODEX_HOME outside ${temporary.join(' and ')}`);
}

/** Everything that would reach beyond 127.0.0.1 (updates, analytics, plugins, web search) is off. */
function standInConfig(baseUrl: string, model: string): string {
  return `model_provider = "stand_in"
model = "${model}"
approval_policy = "never"
sandbox_mode = "workspace-write"
check_for_update_on_startup = false
web_search = "disabled"

[model_providers.stand_in]
name = "stand-in"
base_url = "${baseUrl}"
wire_api = "responses"
env_key = "${API_KEY_VARIABLE}"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[features]
plugins = false
apps = false
remote_plugin = false
goals = false

[agents]
enabled = false
`;
}
