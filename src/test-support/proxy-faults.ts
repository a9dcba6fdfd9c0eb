import { setTimeout as sleep } from 'node:timers/promises';
import { allFinal, apiOf, auditDelivery, storedEvents } from './delivery-audit.js';
import { seededRandom, type FaultFigures } from './fault-figures.js';
import { startFaultNode } from './fault-node.js';
import { FaultProxy } from './fault-proxy.js';
import { stopFaultParts } from './fault-teardown.js';
import { StreamExecutor, streamPrompt, type StreamSpec } from './stream-executor.js';
import { startTestMaster } from './test-master.js';
import { waitFor } from './wait.js';

/** The faults a round picks from; `long-stall` outlasts the master's ping timeout, `short-stall` does not. */
export type ProxyFault = 'rst' | 'fin' | 'short-stall' | 'long-stall' | 'delay';
export const PROXY_FAULTS: readonly ProxyFault[] = ['rst', 'fin', 'short-stall', 'long-stall', 'delay'];

export interface ProxyFaultsOptions {
  /** Faults injected, each after delivery has gone on from the last one. */
  rounds: number;
  jobs: number;
  job: StreamSpec;
  slots: number;
  seed: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

/** The master's ping interval here: three missed pings (0.75 s) and it drops a node. */
const PING_INTERVAL_SEC = 0.25;
const SHORT_STALL_MS = 150;
const LONG_STALL_MS = 1500;
const DELAY_FOR_MS = 400;

/**
 * A node streaming to an in-process master through a `FaultProxy` that cuts (RST, FIN), stalls
 * (shorter and longer than the ping timeout) and delays the connection, one fault per round at a
 * random moment mid-stream; then every job's delivery is audited.
 */
export async function runProxyFaults(options: ProxyFaultsOptions): Promise<{ figures: FaultFigures; problems: string[] }> {
  const began = performance.now();
  const random = seededRandom(options.seed);
  const master = await startTestMaster({ pingIntervalSec: PING_INTERVAL_SEC });
  const proxy = await FaultProxy.start(master.ws.port);
  const executor = new StreamExecutor();
  const node = startFaultNode(`ws://127.0.0.1:${proxy.port}`, master.nodeToken.value, { name: 'behind-proxy', executor, slots: options.slots });
  const api = apiOf(master);
  const recoveryMs: number[] = [];
  try {
    const ids: number[] = [];
    for (let i = 0; i < options.jobs; i++) {
      const response = await api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: streamPrompt(options.job) }) });
      ids.push(((await response.json()) as { id: number }).id);
    }
    // Every kind of fault in turn, in a shuffled order, so that a few rounds cover them all.
    const order = [...PROXY_FAULTS].sort(() => random() - 0.5);
    for (let round = 1; round <= options.rounds && !(await allFinal(api, ids)); round++) {
      const fault = order[(round - 1) % order.length] as ProxyFault;
      const before = await storedEvents(api);
      await waitFor(async () => (await storedEvents(api)) > before || (await allFinal(api, ids)), `round ${round}: delivery before the fault`, options.timeoutMs);
      await sleep(random() * 100);
      const healedAt = await inject(proxy, fault);
      const healed = await storedEvents(api);
      await waitFor(async () => (await storedEvents(api)) > healed || (await allFinal(api, ids)), `round ${round}: delivery after ${fault}`, options.timeoutMs);
      recoveryMs.push(performance.now() - healedAt);
      options.log?.(`round ${round}: ${fault}, delivery again ${(performance.now() - healedAt).toFixed(0)} ms after it healed`);
    }
    await waitFor(async () => allFinal(api, ids), `all ${ids.length} jobs to end`, options.timeoutMs);
    const audit = await auditDelivery(api, ids.map((id) => ({ id, events: options.job.events })), executor.runs);
    return { figures: { scenario: 'proxy cut/stall/delay', cycles: recoveryMs.length, recoveryMs, wallMs: performance.now() - began, ...audit.figures }, problems: audit.problems };
  } finally {
    await stopFaultParts({ nodes: [node], proxy, master });
  }
}

/** Applies one fault and heals it; resolves with the moment it healed. */
async function inject(proxy: FaultProxy, fault: ProxyFault): Promise<number> {
  switch (fault) {
    case 'rst':
    case 'fin':
      proxy.cut(fault);
      break;
    case 'short-stall':
    case 'long-stall':
      proxy.stall();
      await sleep(fault === 'short-stall' ? SHORT_STALL_MS : LONG_STALL_MS);
      break;
    case 'delay':
      proxy.delay(30);
      await sleep(DELAY_FOR_MS);
      break;
  }
  proxy.resume();
  return performance.now();
}
