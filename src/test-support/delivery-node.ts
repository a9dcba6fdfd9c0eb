import { childEnvironment } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { Backoff, Workspaces, createNodeWorker, type Executor, type NodeWorker } from '../node/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { tempDir } from './temp-dir.js';
import type { TestMaster } from './test-master.js';

export interface DeliveryNodeOptions {
  executor: Executor;
  journalDir?: string;
  log?: Logger;
  name?: string;
}

/**
 * A real node worker (in-process), started, for delivery tests: it reconnects within 200 ms (the
 * default backoff would make a test wait seconds) and logs where the test says.
 */
export function startDeliveryNode(url: string, token: string, options: DeliveryNodeOptions): NodeWorker {
  const name = options.name ?? 'delivery';
  const worker = createNodeWorker(
    {
      urls: [url],
      name,
      nodeId: `node-${name}-test`,
      tags: [],
      version: 'test',
      slots: 1,
      executor: options.executor,
      ...(options.journalDir === undefined ? {} : { journalDir: options.journalDir }),
      workspaces: new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: '',
      backoff: new Backoff(20, 200),
    },
    options.log ?? silentLogger(),
  );
  worker.agent.start();
  return worker;
}

/** Every stored event of a job, read through the API page by page. */
export async function storedEvents(master: TestMaster, jobId: number): Promise<SequencedJobEvent[]> {
  const events: SequencedJobEvent[] = [];
  for (;;) {
    const after = events.at(-1)?.seq ?? 0;
    const response = await master.api(`/api/jobs/${jobId}/logs?after=${after}&limit=5000`);
    const page = ((await response.json()) as { events: SequencedJobEvent[] }).events;
    if (page.length === 0) return events;
    events.push(...page);
  }
}
