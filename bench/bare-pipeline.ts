/**
 * The jobs bench's bare baseline: what the job pipeline costs with nothing but `node:http`, `ws`
 * and better-sqlite3 (bench/bare-store.ts). It speaks the subset of the node protocol a node
 * needs (hello/welcome, job_assign, job_events, job_ack), so the very same bench node runs
 * against it, and the API routes the bench uses. No validation beyond JSON.parse, no framework;
 * queued jobs wait in memory; frames to a worker are corked per tick; followers get each
 * committed batch as one write, and one that falls behind catches up from the store.
 * Usage: node --import tsx bench/bare-pipeline.ts <data dir> <admin token> — prints {"port":N}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BareStore, type StoredEvent } from './bare-store.js';

interface Worker {
  ws: WebSocket;
  socket: Duplex;
  name: string;
  slots: number;
  running: number;
  corked: boolean;
}

interface Follower {
  jobId: number;
  res: ServerResponse;
  sent: number;
}

interface EventsFrame {
  type: 'job_events';
  jobId: number;
  events: Array<{ seq: number; at: string; event: { kind: string; result?: { status: string } } }>;
}

/** As in the master: past this much unsent, a follower is not written to until it drains. */
const FOLLOWER_BUFFER_LIMIT = 1024 * 1024;
const PAGE = 1000;
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'lost']);

const [dataDir, adminToken] = process.argv.slice(2);
if (dataDir === undefined || adminToken === undefined) {
  process.stderr.write('usage: bare-pipeline.ts <data dir> <admin token>\n');
  process.exit(2);
}
const store = new BareStore(join(dataDir, 'bare.db'));
const workers = new Set<Worker>();
const queue: Array<{ id: number; prompt: string }> = [];
const followers = new Map<number, Set<Follower>>();
let corkedWorkers: Worker[] = [];

const now = (): string => new Date().toISOString();

function uncorkAll(): void {
  const batch = corkedWorkers;
  corkedWorkers = [];
  for (const worker of batch) {
    worker.corked = false;
    worker.socket.uncork();
  }
}

function send(worker: Worker, frame: string): void {
  if (!worker.corked) {
    worker.corked = true;
    worker.socket.cork();
    if (corkedWorkers.push(worker) === 1) process.nextTick(uncorkAll);
  }
  worker.ws.send(frame);
}

/** FIFO, each job to the worker with the most free slots; the assignment is stored before it is sent. */
function dispatch(): void {
  while (queue.length > 0) {
    let best: Worker | undefined;
    for (const w of workers) if (w.slots - w.running > 0 && (!best || w.slots - w.running > best.slots - best.running)) best = w;
    const job = best && queue.shift();
    if (!best || !job) return;
    const worker = best;
    worker.running++;
    store.assign(job.id, worker.name, now());
    const frame = JSON.stringify({ type: 'job_assign', job: { id: job.id, prompt: job.prompt, profile: {}, attempt: 1, nextSeq: 1 } });
    store.afterCommit(() => send(worker, frame));
  }
}

function sseEvent(e: StoredEvent): string {
  return `id: ${e.seq}\nevent: job_event\ndata: {"seq":${e.seq},"at":"${e.at}","event":${e.json}}\n\n`;
}

function endIfDone(f: Follower): void {
  const job = store.job(f.jobId);
  if (!job || !FINAL.has(job.status) || f.sent < job.lastSeq) return;
  f.res.end(`event: end\ndata: ${JSON.stringify({ status: job.status })}\n\n`);
  followers.get(f.jobId)?.delete(f);
}

/** Sends a follower what is stored past what it has, while its socket takes it. */
function catchUp(f: Follower): void {
  while (f.res.writableLength <= FOLLOWER_BUFFER_LIMIT) {
    const page = store.events(f.jobId, f.sent, PAGE);
    const last = page.at(-1);
    if (!last) break;
    f.res.write(page.map(sseEvent).join(''));
    f.sent = last.seq;
  }
  endIfDone(f);
}

/** Live events go, as one write, to followers that are up to date; the others catch up on drain. */
function forward(jobId: number, events: StoredEvent[], final: boolean): void {
  const first = events[0];
  const last = events.at(-1);
  const watching = followers.get(jobId);
  if (!first || !last || !watching) return;
  const text = events.map(sseEvent).join('');
  for (const f of watching) {
    if (f.sent === first.seq - 1 && f.res.writableLength <= FOLLOWER_BUFFER_LIMIT) {
      f.res.write(text);
      f.sent = last.seq;
    }
    if (final) endIfDone(f);
  }
}

function ingest(worker: Worker, frame: EventsFrame): void {
  const at = now();
  const events = frame.events.map((e) => ({ seq: e.seq, at: e.at, json: JSON.stringify(e.event) }));
  const highest = store.appendEvents(frame.jobId, events);
  let final = false;
  for (const { event } of frame.events) {
    if (event.kind === 'started') store.start(frame.jobId, at);
    if (event.kind === 'finished' && event.result) {
      store.finish(frame.jobId, event.result.status, JSON.stringify(event.result), at);
      worker.running--;
      final = true;
    }
  }
  store.afterCommit(() => {
    send(worker, JSON.stringify({ type: 'job_ack', jobId: frame.jobId, seq: highest }));
    forward(frame.jobId, events, final);
  });
  if (final) dispatch();
}

function onWorkerMessage(worker: Worker, data: RawData): void {
  const frame = JSON.parse((data as Buffer).toString('utf8')) as { type: string; name?: string; capabilities?: { slots?: number } };
  if (frame.type === 'job_events') return ingest(worker, frame as EventsFrame);
  if (frame.type !== 'hello') return;
  worker.name = frame.name ?? 'node';
  worker.slots = frame.capabilities?.slots ?? 0;
  workers.add(worker);
  const welcome = { type: 'welcome', id: worker.name, name: worker.name, role: 'node', protocol: 1, serverVersion: 'bare', heartbeatIntervalSec: 15, maxPayloadBytes: 1 << 20 };
  send(worker, JSON.stringify(welcome));
  dispatch();
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function createJob(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let prompt: unknown;
    try {
      prompt = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt?: unknown }).prompt;
    } catch {
      // Answered below, like any other body without a prompt.
    }
    if (typeof prompt !== 'string' || prompt === '') return reply(res, 400, { error: 'a prompt is required' });
    const id = store.createJob(prompt, now());
    queue.push({ id, prompt });
    dispatch();
    store.afterCommit(() => reply(res, 201, { id, status: 'queued' }));
  });
}

function follow(jobId: number, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const f: Follower = { jobId, res, sent: 0 };
  const watching = followers.get(jobId) ?? new Set();
  followers.set(jobId, watching.add(f));
  res.on('close', () => watching.delete(f));
  res.on('drain', () => store.afterCommit(() => catchUp(f)));
  store.afterCommit(() => catchUp(f));
}

const JOB_PATH = /^\/api\/jobs\/(\d+)(\/logs\/stream)?(?:\?|$)/;

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (req.headers.authorization !== `Bearer ${adminToken}` && !url.endsWith(`?token=${adminToken}`)) return reply(res, 401, { error: 'unauthorized' });
  if (req.method === 'POST' && url === '/api/jobs') return createJob(req, res);
  const match = JOB_PATH.exec(url);
  const jobId = Number(match?.[1]);
  const job = store.job(jobId);
  if (req.method !== 'GET' || !job) return reply(res, 404, { error: 'not found' });
  if (match?.[2] !== undefined) return follow(jobId, res);
  reply(res, 200, { id: jobId, ...job });
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer(route);
// As long as Fastify's default: a follow-up request after an idle stretch finds its connection open.
server.keepAliveTimeout = 72_000;
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => {
    const worker: Worker = { ws, socket, name: '', slots: 0, running: 0, corked: false };
    ws.on('message', (data) => onWorkerMessage(worker, data));
    ws.on('close', () => workers.delete(worker));
    ws.on('error', () => ws.terminate());
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  store.close();
  process.exit(0);
});
