import type { Logger } from '../log/index.js';
import type { Frame, JobPublishedFrame, JobPublishFrame } from '../protocol/index.js';
import type { Executor } from './executor.js';
import { JobJournal } from './job-journal.js';
import { JobRunner } from './job-runner.js';
import { JobWork } from './job-work.js';
import { NodeAgent, type AgentMessage, type NodeAgentOptions } from './node-agent.js';
import { Publisher, type GitHubSettings } from './publisher.js';
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
  /** The node's own GitHub credential and API for publishing (`GITHUB_TOKEN`, `GITHUB_API_URL`). */
  github?: GitHubSettings;
  /** Prune job branches older than this from the cache, at start and daily (`NODE_BRANCH_RETENTION_DAYS`); unset: never. */
  branchRetentionDays?: number;
  codexVersion?: string;
  /** How long a job waits for the next part of its files from the master; default 60 s. */
  attachmentWaitMs?: number;
  /** Frames that are not about jobs (chat, errors), for the console or the log. */
  onMessage?: (message: AgentMessage) => void;
}

/** A node: the connection to the master plus the jobs it runs. */
export interface NodeWorker {
  agent: NodeAgent;
  runner: JobRunner | undefined;
}

const DAY_MS = 86_400_000;

export function createNodeWorker(options: NodeWorkerOptions, log: Logger): NodeWorker {
  const { slots, executor, codexVersion, onMessage, journalDir, workspaces, github, branchRetentionDays, attachmentWaitMs, ...agentOptions } = options;
  const work = new JobWork(workspaces, new Publisher(workspaces, github ?? {}, `codex-super-client/${agentOptions.version}`), log, attachmentWaitMs);
  let runner: JobRunner | undefined;
  const answers = new PublishAnswers((frame) => agent.sendFrame(frame));
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
      onWelcome: (welcome) => {
        runner?.connected(welcome.maxPayloadBytes);
        answers.flush();
      },
      onMessage: (message) => {
        if (message.kind === 'frame' && message.frame.type === 'job_publish') return void publish(work, message.frame, answers);
        if (message.kind === 'frame' && runner && routeJobFrame(runner, message.frame)) return;
        onMessage?.(message);
      },
    },
    log,
  );
  if (executor) {
    const journal = journalDir === undefined ? undefined : new JobJournal(journalDir);
    runner = new JobRunner(executor, (frame) => agent.sendEncoded(frame), log, work, journal);
  }
  if (branchRetentionDays !== undefined) schedulePruning(workspaces, branchRetentionDays, log);
  return { agent, runner };
}

async function publish(work: JobWork, frame: JobPublishFrame, answers: PublishAnswers): Promise<void> {
  const { requestId, jobId, mode, repo, branch, base, title, body } = frame;
  const publication = await work.publishLater(jobId, { repo, branch, mode, base, title, body });
  answers.send({ type: 'job_published', requestId, jobId, publication });
}

/** `job_published` answers, kept while the master is away and sent once it welcomes the node again. */
class PublishAnswers {
  private pending: JobPublishedFrame[] = [];

  constructor(private readonly sendFrame: (frame: JobPublishedFrame) => boolean) {}

  send(frame: JobPublishedFrame): void {
    if (!this.sendFrame(frame)) this.pending.push(frame);
  }

  flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const frame of pending) this.send(frame);
  }
}

/** Prunes now and then daily; the timer never keeps the process alive. */
function schedulePruning(workspaces: Workspaces, retentionDays: number, log: Logger): void {
  const prune = async () => {
    try {
      for (const { repo, branches } of await workspaces.prune(retentionDays)) {
        log.info({ repo, branches }, `removed ${branches.length} job branch${branches.length === 1 ? '' : 'es'} older than ${retentionDays} days from the cache of ${repo}`);
      }
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not prune old job branches; trying again tomorrow');
    }
  };
  void prune();
  setInterval(() => void prune(), DAY_MS).unref();
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
    case 'job_answer':
      runner.answer(frame);
      return true;
    case 'job_attachment':
      runner.attachment(frame);
      return true;
    default:
      return false;
  }
}
