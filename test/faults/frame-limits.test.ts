import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../../src/node/index.js';
import { apiOf, auditJob, describeProblems, fetchJob, fetchLog } from '../../src/test-support/delivery-audit.js';
import { startFaultNode } from '../../src/test-support/fault-node.js';
import { FaultProxy } from '../../src/test-support/fault-proxy.js';
import { stopFaultParts } from '../../src/test-support/fault-teardown.js';
import { StreamExecutor, streamPrompt, type StreamSpec } from '../../src/test-support/stream-executor.js';
import { removeTempDirs } from '../../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../src/test-support/test-master.js';
import { waitFor } from '../../src/test-support/wait.js';

const DELIVERY_TIMEOUT_MS = 10_000;
let master: TestMaster | undefined;
let proxy: FaultProxy | undefined;
let node: NodeWorker | undefined;

afterEach(() => stopFaultParts({ nodes: [node], proxy, master }));
afterAll(removeTempDirs);

/** A master (1000 events and 1 MiB per frame, its defaults) and a node behind a proxy whose job waits for `gate`. */
async function setup(gate: Promise<void>) {
  master = await startTestMaster();
  proxy = await FaultProxy.start(master.ws.port);
  const executor = new StreamExecutor(() => gate);
  node = startFaultNode(`ws://127.0.0.1:${proxy.port}`, master.nodeToken.value, { name: 'backlogged', executor });
  await waitFor(() => node?.agent.connected, 'the node to connect');
  return { master, proxy, executor };
}

async function createJob(m: TestMaster, spec: StreamSpec): Promise<number> {
  const response = await m.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: streamPrompt(spec) }) });
  return ((await response.json()) as { id: number }).id;
}

/** Waits until the job has stored all its events and ended, failing with what was stored and how often the node reconnected. */
async function expectDelivered(m: TestMaster, p: FaultProxy, id: number, spec: StreamSpec, what: string): Promise<void> {
  const total = spec.events + 2;
  const bytes = (spec.events * (spec.size ?? 0)) / 2 ** 20;
  try {
    await waitFor(async () => (await fetchJob(apiOf(m), id)).status === 'succeeded', `job ${id} to succeed`, DELIVERY_TIMEOUT_MS);
  } catch {
    const job = await fetchJob(apiOf(m), id);
    throw new Error(
      `job ${id}: ${what} of ${spec.events} events (${bytes.toFixed(2)} MiB) was not delivered within ${DELIVERY_TIMEOUT_MS / 1000} s: ` +
        `${job.lastSeq} of ${total} events stored, status ${job.status}; the node connected ${p.accepted} times`,
    );
  }
  const audit = auditJob(await fetchJob(apiOf(m), id), await fetchLog(apiOf(m), id), spec.events, []);
  expect(audit.problems, describeProblems(audit.problems)).toEqual([]);
}

/** A backlog built while the connection is stalled, then sent again after a reset: the resend path. */
async function backlogAfterStall(spec: StreamSpec): Promise<void> {
  let open!: () => void;
  const { master: m, proxy: p, executor } = await setup(new Promise<void>((resolve) => (open = resolve)));
  const id = await createJob(m, spec);
  await waitFor(() => executor.runsOf(id).length > 0, 'the job to start on the node');
  p.stall();
  open();
  await waitFor(() => executor.runsOf(id)[0]?.outcome === 'completed', 'the job to emit its backlog', DELIVERY_TIMEOUT_MS);
  p.cut('rst');
  p.resume();
  await expectDelivered(m, p, id, spec, 'a backlog resent after a reconnect');
}

describe('a backlog over the frame limits (1000 events, 1 MiB) drains', () => {
  it('over the event count: 2500 small events held by a stalled connection, then resent', { timeout: 30_000 }, async () => {
    await backlogAfterStall({ events: 2500, batch: 50 });
  });

  it('over both limits: 1500 events of 1.1 KB (1.6 MiB) held by a stalled connection, then resent', { timeout: 30_000 }, async () => {
    await backlogAfterStall({ events: 1500, batch: 50, size: 1100 });
  });

  it('over the byte limit live: 900 events of 1.3 KB (1.1 MiB) emitted in one turn', { timeout: 30_000 }, async () => {
    const { master: m, proxy: p } = await setup(Promise.resolve());
    const spec: StreamSpec = { events: 900, batch: 900, size: 1300 };
    const id = await createJob(m, spec);
    await expectDelivered(m, p, id, spec, 'one burst');
  });
});
