import { childEnvironment } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { EchoExecutor, Workspaces, createNodeWorker, type Executor, type NodeWorker } from '../node/index.js';
import { tempDir } from './temp-dir.js';

export interface TestNodeOptions {
  name: string;
  tags?: string[];
  slots?: number;
  /** Defaults to an echo executor that answers at once. */
  executor?: Executor;
  journalDir?: string;
  workspaces?: Workspaces;
}

/** A real node worker (in-process) connected to `url`, started; stop it with `worker.agent.stop()`. */
export function startTestNode(url: string, token: string, options: TestNodeOptions): NodeWorker {
  const worker = createNodeWorker(
    {
      urls: [url],
      name: options.name,
      nodeId: `node-${options.name}-test`,
      tags: options.tags ?? [],
      version: 'test',
      slots: options.slots ?? 1,
      executor: options.executor ?? new EchoExecutor(),
      ...(options.journalDir === undefined ? {} : { journalDir: options.journalDir }),
      workspaces: options.workspaces ?? new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: '',
    },
    silentLogger(),
  );
  worker.agent.start();
  return worker;
}
