import type { Logger } from '../log/index.js';
import type { Frame } from '../protocol/index.js';
import type { Executor } from './executor.js';
import { JobJournal } from './job-journal.js';
import { JobRunner } from './job-runner.js';
import { NodeAgent, type AgentMessage, type NodeAgentOptions } from './node-agent.js';
import type { Workspaces } from './workspaces.js';

export interface NodeWorkerOptions extends Omit<NodeAgentOptions, 'capabilities' | 'runningJobs' | 'onWelcome' | 'onMessage'> {
  /** Jobs run at once; 0 takes none. */
  slots: number;
  /** How jobs run; without one the node only chats. */
  executor: Executor | undefined;
  /** Keeps unacknowledged job events on disk here, across node restarts. */
  journalDir?: string;
  /** Checkouts for jobs with a repository; jobs without one run in its default working directory. */
  workspaces: Workspaces;
  codexVersion?: string;
  /** Frames that are not about jobs (chat, errors), for the console or the log. */
  onMessage?: (message: AgentMessage) => void;
}

/** A node: the connection to the master plus the jobs it runs. */
export interface NodeWorker {
  agent: NodeAgent;
  runner: JobRunner | undefined;
}

export function createNodeWorker(options: NodeWorkerOptions, log: Logger): NodeWorker {
  const { slots, executor, codexVersion, onMessage, journalDir, workspaces, ...agentOptions } = options;
  let runner: JobRunner | undefined;
  const agent = new NodeAgent(
    {
      ...agentOptions,
      capabilities: {
        slots: executor ? slots : 0,
        executors: executor ? [executor.name] : [],
        chat: true,
        ...(codexVersion === undefined ? {} : { codexVersion }),
      },
      runningJobs: () => runner?.held() ?? [],
      onWelcome: (welcome) => runner?.connected(welcome.maxPayloadBytes),
      onMessage: (message) => {
        if (message.kind === 'frame' && runner && routeJobFrame(runner, message.frame)) return;
        onMessage?.(message);
      },
    },
    log,
  );
  if (executor) {
    const journal = journalDir === undefined ? undefined : new JobJournal(journalDir);
    runner = new JobRunner(executor, (frame) => agent.sendEncoded(frame), log, workspaces, journal);
  }
  return { agent, runner };
}

function routeJobFrame(runner: JobRunner, frame: Frame): boolean {
  switch (frame.type) {
    case 'job_assign':
      runner.assign(frame.job);
      return true;
    case 'job_cancel':
      runner.cancel(frame.jobId, { reason: frame.reason, message: frame.message });
      return true;
    case 'job_ack':
      runner.acknowledge(frame.jobId, frame.seq);
      return true;
    default:
      return false;
  }
}
