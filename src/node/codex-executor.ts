import { relative } from 'node:path';
import { describePlan, describeRateLimit, isRateLimited, type CodexEvent, type TokenUsage, type TurnDriver, type TurnResult } from '../codex/index.js';
import type { JobEvent, JobResult, JobSpec } from '../protocol/index.js';
import type { Executor, JobFiles, RunContext } from './executor.js';

/** Command output kept per event: enough to read an error, not a build log's megabytes. */
const MAX_OUTPUT_CHARS = 16 * 1024;

/** What a turn did, gathered from its events for the standard result. */
class TurnRecord {
  readonly files = new Map<string, JobResult['filesChanged'][number]>();
  readonly commands: JobResult['commands'] = [];
  tokens: JobResult['tokens'];
  /** The thread's total before this turn's first model request: a follow-up's thread has earlier turns. */
  private before: TokenUsage | undefined;

  note(event: CodexEvent): void {
    if (event.type === 'command_finished') this.commands.push({ command: event.command, exitCode: event.exitCode });
    if (event.type === 'token_usage') this.tokens = this.ownUsage(event.total, event.last);
    if (event.type === 'file_change' && event.status !== 'declined' && event.status !== 'failed') {
      for (const change of event.changes) {
        const seen = this.files.get(change.path);
        this.files.set(change.path, {
          path: change.path,
          kind: seen?.kind === 'add' ? 'add' : change.kind,
          added: (seen?.added ?? 0) + change.added,
          removed: (seen?.removed ?? 0) + change.removed,
        });
      }
    }
  }

  /**
   * The turn's own tokens: the thread's total less what it was before the turn. Taken from totals
   * rather than by adding up `last`, so that an update Codex repeats is not counted twice.
   */
  private ownUsage(total: TokenUsage, last: TokenUsage): NonNullable<JobResult['tokens']> {
    this.before ??= { ...total, inputTokens: total.inputTokens - last.inputTokens, outputTokens: total.outputTokens - last.outputTokens, totalTokens: total.totalTokens - last.totalTokens };
    return { input: total.inputTokens - this.before.inputTokens, output: total.outputTokens - this.before.outputTokens, total: total.totalTokens - this.before.totalTokens };
  }
}

/**
 * Codex's view of a step, as a job event; undefined for what a job log does not show, and for
 * `token_usage`, whose job event carries the job's own usage (see `TurnRecord`), not the thread's.
 */
export function toJobEvent(event: CodexEvent): JobEvent | undefined {
  switch (event.type) {
    case 'agent_message':
      return { kind: 'agent_message', text: event.text };
    case 'agent_message_delta':
      return { kind: 'agent_message_delta', delta: event.delta };
    case 'command_started':
      return { kind: 'command_started', command: event.command, cwd: event.cwd };
    case 'command_finished':
      return {
        kind: 'command_finished',
        command: event.command,
        exitCode: event.exitCode,
        output: event.output.length > MAX_OUTPUT_CHARS ? `…${event.output.slice(-MAX_OUTPUT_CHARS)}` : event.output,
        ...(event.durationMs === null ? {} : { durationMs: event.durationMs }),
      };
    case 'file_change':
      return { kind: 'file_change', changes: event.changes.map(({ path, kind, added, removed }) => ({ path, kind, added, removed })) };
    case 'error':
      return event.willRetry ? { kind: 'log', level: 'warn', message: `Codex will retry: ${event.message}` } : { kind: 'error', message: event.message };
    case 'approval_request':
      return {
        kind: 'approval_request',
        action: event.kind,
        ...(event.command === undefined ? {} : { command: event.command }),
        ...(event.cwd === undefined ? {} : { cwd: event.cwd }),
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        decision: event.decision,
      };
    case 'plan':
      return { kind: 'log', level: 'info', message: describePlan(event) };
    case 'model_rerouted':
      return { kind: 'log', level: 'warn', message: `Codex moved this turn from ${event.fromModel} to ${event.toModel} (${event.reason})` };
    // `turn_diff`: the job's change is taken from the workspace when the run ends (`JobWork`), not
    // from Codex's running diff. `rate_limits`: a limit is a state, said when it changes
    // (`RateLimitNotes`), not on every update.
    default:
      return undefined;
  }
}

/**
 * Says on the job when Codex is rate limited (so the job reads as waiting, not stuck) and when
 * the limit has passed; Codex sends the account's limits after every model request.
 */
class RateLimitNotes {
  private said: string | undefined;

  note(event: CodexEvent): JobEvent | undefined {
    if (event.type !== 'rate_limits') return undefined;
    if (isRateLimited(event)) {
      const message = describeRateLimit(event);
      if (message === this.said) return undefined;
      this.said = message;
      return { kind: 'log', level: 'warn', message };
    }
    if (this.said === undefined) return undefined;
    this.said = undefined;
    return { kind: 'log', level: 'info', message: 'Codex is no longer rate limited' };
  }
}

/** Runs a job as one Codex turn on the node's warm Codex server (either transport), continuing `threadId` when given. */
export class CodexExecutor implements Executor {
  readonly name = 'codex';

  constructor(private readonly driver: TurnDriver) {}

  async run(job: JobSpec, { cwd, emit, signal, ask, files }: RunContext): Promise<JobResult> {
    const started = Date.now();
    const record = new TurnRecord();
    const limits = new RateLimitNotes();
    const { model, sandbox, approvalPolicy, reasoningEffort } = job.profile;
    const images = files?.inbox.filter((file) => file.kind === 'image').map((file) => file.path) ?? [];
    const turn = await this.driver.runTurn({
      cwd,
      prompt: files === undefined ? job.prompt : `${job.prompt}\n\n${filesNote(cwd, files)}`,
      ...(job.threadId === undefined ? {} : { threadId: job.threadId }),
      ...(model === undefined ? {} : { model }),
      ...(sandbox === undefined ? {} : { sandbox }),
      ...(approvalPolicy === undefined ? {} : { approvalPolicy }),
      ...(reasoningEffort === undefined ? {} : { reasoningEffort }),
      ...(images.length > 0 && { images }),
      // The context settles each question itself (with a longer wait than the driver's default).
      ...(ask && { onQuestion: (question, options) => ask(question, options.signal), questionTimeoutMs: Infinity }),
      signal,
      onEvent: (event) => {
        record.note(event);
        const mapped = event.type === 'token_usage' && record.tokens ? { kind: 'token_usage' as const, ...record.tokens } : (limits.note(event) ?? toJobEvent(event));
        if (mapped) emit(mapped);
      },
    });
    return standardResult(turn, record, Date.now() - started);
  }
}

/** Tells Codex where the job's files are and where files for the requester go, relative to its working directory. */
function filesNote(cwd: string, { inboxDir, inbox, outboxDir }: JobFiles): string {
  const lines: string[] = [];
  if (inbox.length > 0) lines.push(`Files sent with this request are in ${relative(cwd, inboxDir)}/: ${inbox.map((file) => `${file.name} (${file.mime})`).join(', ')}.`);
  lines.push(`To send files back to the requester, save them in ${relative(cwd, outboxDir)}/.`);
  return lines.join('\n');
}

function standardResult(turn: TurnResult, record: TurnRecord, durationMs: number): JobResult {
  const status = turn.status === 'completed' ? 'succeeded' : turn.status === 'interrupted' ? 'cancelled' : 'failed';
  const summary = turn.finalMessage?.split('\n').find((line) => line.trim().length > 0)?.slice(0, 200);
  const error = status === 'failed' ? (turn.error ?? `Codex ended the turn as ${turn.status} without saying why`) : undefined;
  return {
    status,
    ...(turn.finalMessage === undefined ? {} : { finalMessage: turn.finalMessage }),
    ...(summary === undefined ? {} : { summary }),
    filesChanged: [...record.files.values()],
    commands: record.commands,
    ...(record.tokens ? { tokens: record.tokens } : {}),
    durationMs,
    ...(error === undefined ? {} : { error }),
    threadId: turn.threadId,
  };
}
