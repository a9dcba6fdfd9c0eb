/**
 * The load generator: its own process, so its CPU is not charged to the hub it measures.
 * Usage: node --import tsx bench/loadgen.ts '<LoadSpec JSON>' — prints one LoadResult JSON line.
 * Any connection error, refused handshake or connection the hub closes fails the run (exit 1).
 */
import { WebSocket, type RawData } from 'ws';
import type { IdleResult, IdleSpec, LoadResult, LoadSpec } from './spec.js';
import { readCpuSec, readRssKb } from './proc.js';
import { sleep, waitUntil } from './stats.js';
import { runFanout, runSteady } from './traffic.js';

const TRAFFIC_CONNECT_CONCURRENCY = 200;
const WELCOME_TIMEOUT_MS = 20_000;

function fail(error: unknown): never {
  process.stderr.write(`loadgen: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** Deflate and UTF-8 validation off: the generator shares two cores with the hub it measures. */
function connect(url: string, token: string | undefined): Promise<WebSocket> {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: 15_000,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      // Past the handshake, any error or close means the figures would be wrong: stop the run.
      ws.on('error', fail);
      ws.on('close', (code) => fail(new Error(`the hub closed a connection (code ${code})`)));
      resolve(ws);
    });
  });
}

/** Opens `count` connections with at most `concurrency` handshakes in flight, in index order. */
async function connectAll(
  spec: { url: string; token?: string },
  count: number,
  concurrency: number,
  onOpen: (ws: WebSocket, index: number) => void = () => undefined,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const ws = await connect(spec.url, spec.token);
      onOpen(ws, index);
      sockets[index] = ws;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return sockets;
}

/** A node's first frame; the master answers with `welcome`, which is all an idle node reads. */
function sayHello(ws: WebSocket, index: number, onWelcome: () => void): void {
  ws.once('message', (data: RawData) => {
    const text = (data as Buffer).toString('utf8');
    if (!text.startsWith('{"type":"welcome"')) fail(new Error(`expected a welcome, got ${text.slice(0, 200)}`));
    onWelcome();
  });
  ws.send(JSON.stringify({ type: 'hello', name: `idle-${index}`, tags: [] }));
}

/** Scenario C: connect time, then the hub's RSS growth once everyone is connected and settled. */
async function runIdle(spec: IdleSpec): Promise<IdleResult> {
  const [rssBeforeKb, cpuBeforeSec] = [readRssKb(spec.hubPid), readCpuSec(spec.hubPid)];
  let welcomed = 0;
  const onOpen = spec.hello ? (ws: WebSocket, index: number) => sayHello(ws, index, () => welcomed++) : undefined;
  const start = performance.now();
  await connectAll(spec, spec.clients, spec.concurrency, onOpen);
  const connectSec = (performance.now() - start) / 1000;
  if (spec.hello && !(await waitUntil(() => welcomed === spec.clients, WELCOME_TIMEOUT_MS))) {
    throw new Error(`only ${welcomed} of ${spec.clients} clients were welcomed`);
  }
  await sleep(spec.settleMs);
  const [rssAfterKb, cpuAfterSec] = [readRssKb(spec.hubPid), readCpuSec(spec.hubPid)];
  return {
    kind: 'idle',
    connectSec,
    hubCpuUsPerConnection: ((cpuAfterSec - cpuBeforeSec) * 1e6) / spec.clients,
    rssBeforeKb,
    rssAfterKb,
    kbPerConnection: (rssAfterKb - rssBeforeKb) / spec.clients,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  switch (spec.kind) {
    case 'fanout':
      return runFanout(spec, await connectAll(spec, spec.clients, TRAFFIC_CONNECT_CONCURRENCY));
    case 'steady':
      return runSteady(spec, await connectAll(spec, spec.clients, TRAFFIC_CONNECT_CONCURRENCY));
    case 'idle':
      return runIdle(spec);
  }
}

// The driver is the only caller and builds the spec from the same types, so it is not re-validated.
const spec = JSON.parse(process.argv[2] ?? 'null') as LoadSpec | null;
if (spec === null) fail(new Error("usage: loadgen.ts '<LoadSpec JSON>'"));
run(spec).then(
  // Exit rather than close: closing thousands of sockets would only add noise to the hub's figures.
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
  fail,
);
