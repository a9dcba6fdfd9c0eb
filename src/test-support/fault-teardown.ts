import type { NodeWorker } from '../node/index.js';
import type { FaultProxy } from './fault-proxy.js';
import type { TestMaster } from './test-master.js';
import { waitFor } from './wait.js';

const NODES_GONE_TIMEOUT_MS = 3000;

/** What a fault test started in this process, each part optional. */
export interface FaultParts {
  nodes?: Array<NodeWorker | undefined>;
  proxy?: FaultProxy | undefined;
  master?: TestMaster | undefined;
}

/**
 * Stops a fault test's nodes, proxy and in-process master, in that order. The master is closed
 * only once it has seen its nodes leave: a node dropped by the close itself arms a re-queue timer
 * that would fire after the store is closed, in whichever test runs next.
 */
export async function stopFaultParts({ nodes = [], proxy, master }: FaultParts): Promise<void> {
  for (const node of nodes) await node?.agent.stop();
  await proxy?.close();
  if (!master) return;
  await waitFor(
    async () => ((await (await master.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 0,
    'the master to see its nodes leave',
    NODES_GONE_TIMEOUT_MS,
  ).catch(() => undefined);
  await master.close();
}
