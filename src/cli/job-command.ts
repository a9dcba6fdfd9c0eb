import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { loadEnvironment, resolveClientConfig, type ClientFlags } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import { FINAL_JOB_STATUSES, type SequencedJobEvent } from '../protocol/index.js';
import { ApiClient } from './api-client.js';
import { registerChangeCommands } from './change-command.js';
import { registerQuestionCommands } from './question-command.js';
import { wantsColour } from './render-diff.js';
import { JOB_EXIT_CODES, renderEvent, renderJobLine } from './render-job.js';
import { answerHint } from './render-question.js';
import { TerminalQuestions } from './terminal-questions.js';

interface RunFlags extends ClientFlags {
  node?: string;
  tags?: string;
  repo?: string;
  ref?: string;
  model?: string;
  sandbox?: string;
  continueFrom?: string;
  timeout?: string;
  queueTimeout?: string;
  publish?: 'branch' | 'pr';
  pr?: boolean;
  follow: boolean;
}

function client(flags: ClientFlags): ApiClient {
  return new ApiClient(resolveClientConfig(flags, loadEnvironment()));
}

function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'master HTTP API, http:// or https:// (default: http://MASTER_HTTP_HOST:MASTER_HTTP_PORT, i.e. http://127.0.0.1:8080)')
    .option('--ca <file>', 'PEM CA bundle to verify an https:// master with instead of the public CAs (env MASTER_CA_FILE)')
    .option('--token <token>', "admin token (env MASTER_ADMIN_TOKEN; default: the master's stored one on this host)")
    .option('--data-dir <dir>', "the master's data dir, to read its admin token from (env MASTER_DATA_DIR)");
}

/** Where followed events go: printed, and for `csc job run` its questions asked or hinted at. */
type EventSink = (event: SequencedJobEvent) => void;

/** Prints events as they come and returns the job's final state. */
async function follow(api: ApiClient, jobId: number, after = 0, sink: EventSink = print): Promise<JobRecord> {
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(`\nstopped following; job ${jobId} goes on (csc job cancel ${jobId} stops it)\n`);
    stop.abort();
    process.exit(130);
  });
  for await (const event of api.follow(jobId, after, stop.signal)) sink(event);
  return api.request<JobRecord>('GET', `/api/jobs/${jobId}`);
}

/**
 * Follows a job `csc job run` queued. On a terminal its questions are asked there; otherwise
 * nobody can answer here, so each one is printed with the commands that answer it.
 */
async function followRun(api: ApiClient, jobId: number): Promise<JobRecord> {
  if (!(process.stdin.isTTY && process.stdout.isTTY)) {
    return follow(api, jobId, 0, (event) => {
      print(event);
      if (event.event.kind === 'question') process.stdout.write(`  ${answerHint(jobId, event.event.question)}\n`);
    });
  }
  const asker = new TerminalQuestions(api, jobId, { input: process.stdin, output: process.stdout, colour: wantsColour(process.stdout, loadEnvironment()) });
  try {
    return await follow(api, jobId, 0, (event) => asker.take(event));
  } finally {
    asker.close();
  }
}

function print(event: SequencedJobEvent): void {
  const line = renderEvent(event);
  if (line !== undefined) process.stdout.write(`${line}\n`);
}

interface LogPage {
  events: SequencedJobEvent[];
  status: JobRecord['status'];
  more: boolean;
}

/** Prints a job's log after `after`, a page at a time (a long log is more than one); returns its status. */
async function printLog(api: ApiClient, jobId: number, after: number): Promise<JobRecord['status']> {
  for (let from = after; ; ) {
    const page = await api.request<LogPage>('GET', `/api/jobs/${jobId}/logs?after=${from}&limit=5000`);
    page.events.forEach(print);
    const last = page.events.at(-1);
    if (!page.more || last === undefined) return page.status;
    from = last.seq;
  }
}

export function registerJobCommand(program: Command): void {
  const job = program.command('job').description('create, follow and manage Codex jobs through the master');

  withConnection(job.command('run'))
    .description('queue a job, follow its log, and exit with its outcome (0 succeeded, 1 failed, 3 cancelled, 4 lost); on a terminal, asks you what Codex asks')
    .argument('<prompt>', 'what Codex should do')
    .option('--node <name>', 'run on this node')
    .option('--tags <a,b>', 'run on a node with all of these tags')
    .option('--repo <owner/name>', 'GitHub repository to work in')
    .option('--ref <ref>', 'branch, tag or commit to start from')
    .option('--model <model>', 'Codex model')
    .option('--sandbox <mode>', 'read-only | workspace-write | danger-full-access')
    .option('--continue-from <id>', 'continue the Codex conversation of this earlier job')
    .option('--timeout <sec>', 'stop the job after this many seconds')
    .option('--queue-timeout <sec>', 'fail the job if no node has started it after this many seconds')
    .addOption(new Option('--publish <mode>', "when it ends, push the job's branch (branch) and open a pull request (pr)").choices(['branch', 'pr']))
    .option('--pr', 'the same as --publish pr')
    .option('--no-follow', 'print the job id and return at once')
    .action(async (prompt: string, flags: RunFlags) => {
      const api = client(flags);
      // One key per invocation: a retry after a reset connection cannot queue the job twice.
      const created = await api.request<JobRecord>('POST', '/api/jobs', runBody(prompt, flags), { idempotencyKey: randomUUID(), retryOnReset: true });
      // The master dispatched before answering: a job still queued says at once why (no node has
      // its tags, all are busy), rather than leaving the user to wonder at a silent terminal.
      process.stderr.write(`job ${created.id} ${created.status}${created.waiting === undefined ? '' : ` (${created.waiting})`}\n`);
      if (!flags.follow) return;
      const done = await followRun(api, created.id);
      process.exitCode = JOB_EXIT_CODES[done.status];
    });

  registerChangeCommands(job);
  registerQuestionCommands(job);

  withConnection(job.command('ls'))
    .description('list jobs, newest first')
    .option('--status <status>', 'only jobs in this state')
    .option('--node <name>', 'only jobs of this node')
    .option('--limit <n>', 'how many', '20')
    .action(async (flags: ClientFlags & { status?: string; node?: string; limit: string }) => {
      const query = new URLSearchParams({ limit: flags.limit, ...(flags.status ? { status: flags.status } : {}), ...(flags.node ? { node: flags.node } : {}) });
      const { jobs } = await client(flags).request<{ jobs: JobRecord[] }>('GET', `/api/jobs?${query.toString()}`);
      if (jobs.length === 0) process.stdout.write('no jobs\n');
      for (const j of jobs) process.stdout.write(`${renderJobLine(j)}\n`);
    });

  withConnection(job.command('show'))
    .description('print a job with its result, as JSON')
    .argument('<id>')
    .action(async (id: string, flags: ClientFlags) => {
      process.stdout.write(`${JSON.stringify(await client(flags).request('GET', `/api/jobs/${encodeURIComponent(id)}`), null, 2)}\n`);
    });

  withConnection(job.command('cancel'))
    .description('cancel a job')
    .argument('<id>')
    .action(async (id: string, flags: ClientFlags) => {
      const result = await client(flags).request<JobRecord>('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`);
      process.stdout.write(`job ${result.id} ${result.status === 'cancelled' ? 'cancelled' : 'is being cancelled'}\n`);
    });

  withConnection(job.command('logs'))
    .description("print a job's log")
    .argument('<id>')
    .option('--after <seq>', 'only events after this sequence number', '0')
    .option('-f, --follow', 'keep printing new events until the job ends')
    .action(async (id: string, flags: ClientFlags & { after: string; follow?: boolean }) => {
      const api = client(flags);
      const jobId = Number(id);
      if (flags.follow) {
        await follow(api, jobId, Number(flags.after));
        return;
      }
      const status = await printLog(api, jobId, Number(flags.after));
      if (!FINAL_JOB_STATUSES.has(status)) process.stderr.write(`(job is ${status}; --follow keeps printing)\n`);
    });
}

function runBody(prompt: string, flags: RunFlags): Record<string, unknown> {
  const publish = flags.publish ?? (flags.pr ? 'pr' : undefined);
  const profile = { ...(flags.model ? { model: flags.model } : {}), ...(flags.sandbox ? { sandbox: flags.sandbox } : {}), ...(publish ? { publish } : {}) };
  return {
    prompt,
    origin: 'cli',
    ...(flags.node ? { node: flags.node } : {}),
    ...(flags.tags ? { tags: flags.tags.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    ...(flags.repo ? { repo: flags.repo } : {}),
    ...(flags.ref ? { ref: flags.ref } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
    ...(flags.continueFrom ? { continueFrom: Number(flags.continueFrom) } : {}),
    ...(flags.timeout ? { timeoutSec: Number(flags.timeout) } : {}),
    ...(flags.queueTimeout ? { queueTimeoutSec: Number(flags.queueTimeout) } : {}),
  };
}
