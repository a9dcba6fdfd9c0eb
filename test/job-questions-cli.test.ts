import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobAnswerFrame, JobQuestion, JobSpec, QuestionState, SequencedJobEvent } from '../src/protocol/index.js';
import { ChangeNode } from '../src/test-support/change-node.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { waitFor } from '../src/test-support/wait.js';
import { trackedCsc, type CscProcess } from './cli-process.js';

const CSC = fileURLToPath(new URL('../bin/csc.js', import.meta.url));
const { csc, killAll } = trackedCsc();
const terminals: ChildProcessWithoutNullStreams[] = [];
const ESC = String.fromCharCode(27);
/** A line the line editor cleared (`\r` ESC `[K`), and the other escape sequences it writes. */
const LINE_CLEARED = new RegExp(`[^\\n]*\\r${ESC}\\[K`, 'g');
const ESCAPES = new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, 'g');

let master: TestMaster;
let node: ChangeNode;
beforeEach(async () => {
  master = await startTestMaster();
  node = await ChangeNode.connect(master, 'asker');
});
afterEach(async () => {
  killAll();
  for (const tty of terminals.splice(0)) tty.kill('SIGKILL');
  node.close();
  await master.close();
});
afterAll(removeTempDirs);

const connection = () => ['--url', master.httpUrl, '--token', master.adminToken.value];

const APPROVALS = ['accept', 'acceptForSession', 'decline', 'cancel'] as const;
const command = (id: string, decisions: JobQuestion['decisions'] = [...APPROVALS]): JobQuestion => ({
  kind: 'command',
  id,
  method: 'item/commandExecution/requestApproval',
  command: 'npm test',
  cwd: '/work/app',
  reason: 'needs the network',
  decisions,
});
const userInput = (id: string): JobQuestion => ({
  kind: 'user_input',
  id,
  method: 'item/tool/requestUserInput',
  decisions: ['accept', 'decline'],
  questions: [{ id: 'colour', header: 'Theme', question: 'Which colour?', isOther: false, isSecret: false, options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'calm' }] }],
});
const elicitation = (id: string): JobQuestion => ({
  kind: 'elicitation',
  id,
  method: 'mcpServer/elicitation/request',
  serverName: 'deployer',
  mode: 'form',
  message: 'Which environment?',
  requestedSchema: { type: 'object', properties: { environment: { type: 'string' } } },
  decisions: ['accept', 'decline', 'cancel'],
});

const fileChange = (id: string): JobQuestion => ({
  kind: 'file_change',
  id,
  method: 'item/fileChange/requestApproval',
  decisions: ['accept', 'decline'],
  changes: [
    { path: 'src/app.ts', kind: 'update', diff: '@@ -1 +1 @@\n-old\n+new\n', added: 1, removed: 1 },
    { path: 'NOTES.md', kind: 'add', diff: 'hello\n', added: 1, removed: 0 },
  ],
});

/** A job the raw node runs: it asks what a test says and tells the master what it told Codex. */
class AskingJob {
  private seq: number;

  constructor(readonly spec: JobSpec) {
    this.seq = spec.nextSeq;
  }

  static async start(): Promise<AskingJob> {
    const job = new AskingJob(await node.assigned(10_000));
    await job.send({ kind: 'started', executor: 'raw' });
    return job;
  }

  /** Asks, and waits until the master holds the question as pending. */
  async ask(question: JobQuestion): Promise<void> {
    await this.send({ kind: 'question', question });
    await waitFor(async () => (await questions(this.spec.id)).some((q) => q.question.id === question.id && q.status === 'pending'), `question ${question.id} to be pending`);
  }

  /** The master's `job_answer` for a question. */
  async answered(questionId: string): Promise<JobAnswerFrame> {
    const frame = await node.client.next((m) => m.json?.type === 'job_answer' && m.json.questionId === questionId, 10_000);
    return frame.json as unknown as JobAnswerFrame;
  }

  /** The node's record of what it told Codex. */
  async told(frame: JobAnswerFrame): Promise<void> {
    await this.send({ kind: 'answer', questionId: frame.questionId, answer: frame.answer, by: frame.by });
  }

  async finish(): Promise<void> {
    const result = { status: 'succeeded' as const, finalMessage: 'Deployed.', filesChanged: [], commands: [], durationMs: 5 };
    await this.send({ kind: 'finished', result });
  }

  private async send(event: SequencedJobEvent['event']): Promise<void> {
    await node.send(this.spec, [{ seq: this.seq++, at: new Date().toISOString(), event }]);
  }
}

async function questions(jobId: number): Promise<QuestionState[]> {
  const res = await master.api(`/api/jobs/${jobId}/questions`);
  return ((await res.json()) as { questions: QuestionState[] }).questions;
}

async function queued(prompt = 'deploy it'): Promise<AskingJob> {
  await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt }) });
  return AskingJob.start();
}

/** The exit code once the process has exited and its output has been read to the end. */
async function finished(proc: CscProcess): Promise<number | null> {
  const code = await proc.exited;
  const streams = [proc.child.stdout, proc.child.stderr].filter((s) => s !== null && !s.readableEnded);
  await Promise.all(streams.map((s) => new Promise((resolve) => s?.once('end', resolve))));
  return code;
}

async function job(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = csc(['job', ...args, ...connection()]);
  const code = await finished(proc);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

const byAdmin = { via: 'cli', name: 'admin' };

describe('csc job approve, deny and answer', () => {
  it("send each decision to the job's node, the oldest pending question first, as the admin from the CLI", async () => {
    const asking = await queued();
    for (const question of [command('a1q1'), command('a1q2'), userInput('a1q3'), command('a1q4')]) await asking.ask(question);

    expect(await job('approve', '1')).toEqual({ code: 0, stdout: 'job 1 question a1q1 approved once: Codex asks to run npm test in /work/app (needs the network)\n', stderr: '' });
    expect(await asking.answered('a1q1')).toMatchObject({ jobId: 1, answer: { decision: 'accept' }, by: byAdmin });

    expect((await job('deny', '1', '--question', 'a1q4', '--message', 'not from CI', '--stop')).code).toBe(0);
    expect((await asking.answered('a1q4')).answer).toEqual({ decision: 'cancel', text: 'not from CI' });

    expect((await job('approve', '1', '--for-job')).stdout).toMatch(/^job 1 question a1q2 approved for this job: /);
    expect((await asking.answered('a1q2')).answer).toEqual({ decision: 'acceptForSession' });

    expect((await job('answer', '1', 'blue')).stdout).toBe('job 1 question a1q3 answered: Codex asks: Which colour?\n');
    expect((await asking.answered('a1q3')).answer).toEqual({ decision: 'accept', text: 'blue' });
    expect((await questions(1)).map((q) => [q.question.id, q.status, q.by?.via])).toEqual([
      ['a1q1', 'answered', 'cli'],
      ['a1q2', 'answered', 'cli'],
      ['a1q3', 'answered', 'cli'],
      ['a1q4', 'answered', 'cli'],
    ]);
  });

  it('exit 1 with what stands in the way: nothing pending, decided already, no such question or job', async () => {
    const asking = await queued();
    expect(await job('approve', '1')).toEqual({ code: 1, stdout: '', stderr: 'csc: job 1 has no pending question\n' });
    await asking.ask(command('a1q1'));
    await master.api('/api/jobs/1/questions/a1q1', { method: 'POST', body: JSON.stringify({ decision: 'decline', via: 'dashboard' }) });

    const late = await job('approve', '1', '--question', 'a1q1');
    expect(late.code).toBe(1);
    // The master's refusal, as it is: it names who decided what.
    expect(late.stderr).toMatch(/^csc: .*already decided.*\n$/);
    expect(late.stderr).toContain('decline');
    expect(await job('deny', '1', '--question', 'a7q7')).toEqual({ code: 1, stdout: '', stderr: 'csc: job 1 has no question a7q7\n' });
    const missing = await job('approve', '99');
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^csc: not_found: /) as unknown]);
  });

  it('refuse an answer a question cannot take, and send an elicitation its content as JSON', async () => {
    const asking = await queued();
    await asking.ask(userInput('a1q1'));
    expect(await job('approve', '1')).toEqual({ code: 1, stdout: '', stderr: 'csc: question a1q1 asks for an answer, not an approval: csc job answer 1 TEXT --question a1q1\n' });
    await asking.ask(command('a1q2', ['accept', 'decline']));
    expect((await job('answer', '1', 'yes', '--question', 'a1q2')).stderr).toBe('csc: question a1q2 asks for an approval, not an answer: csc job approve 1 --question a1q2, or csc job deny 1 --question a1q2\n');
    // What Codex does not offer, the master refuses.
    const forJob = await job('approve', '1', '--question', 'a1q2', '--for-job');
    expect([forJob.code, forJob.stderr]).toEqual([1, expect.stringMatching(/^csc: bad_request: /) as unknown]);

    await asking.ask(elicitation('a1q3'));
    expect((await job('answer', '1', 'staging', '--question', 'a1q3')).stderr).toBe('csc: question a1q3 takes its answer as JSON (e.g. \'{"name": "value"}\'), not "staging"\n');
    expect((await job('answer', '1', '{"environment":"staging"}', '--question', 'a1q3')).code).toBe(0);
    expect((await asking.answered('a1q3')).answer).toEqual({ decision: 'accept', content: { environment: 'staging' } });
    expect((await questions(1)).map((q) => q.status)).toEqual(['pending', 'pending', 'answered']);
  });

  it('explain themselves in --help', async () => {
    const help = await job('approve', '--help');
    expect(help.stdout).toContain('--question <qid>');
    expect(help.stdout).toContain('--for-job');
    expect(help.stdout).toContain('csc job approve 12 --question a1q2 --for-job');
    expect((await job('deny', '--help')).stdout).toContain('--stop');
    expect((await job('answer', '--help')).stdout).toContain("an elicitation's content");
  });
});

describe('csc job run and questions', () => {
  it('prints each question with the commands that answer it when not on a terminal, and follows on', async () => {
    const run = csc(['job', 'run', '--node', 'asker', 'deploy it', ...connection()]);
    const asking = await AskingJob.start();
    await asking.ask(command('a1q1'));
    await run.waitForOutput(/answer with: csc job approve 1 --question a1q1 \[--for-job\], or csc job deny 1 --question a1q1 \[--stop\]/);
    expect(run.stdout()).toContain('? Codex asks to run npm test in /work/app (needs the network) (question a1q1)\n');

    expect((await job('approve', '1')).code).toBe(0);
    await asking.told(await asking.answered('a1q1'));
    await asking.ask(userInput('a1q2'));
    await run.waitForOutput(/answer with: csc job answer 1 TEXT --question a1q2, or csc job deny 1 --question a1q2\n/);
    expect((await job('deny', '1')).code).toBe(0);
    await asking.told(await asking.answered('a1q2'));
    await asking.finish();
    expect(await finished(run)).toBe(0);
    expect(run.stdout()).toContain('? a1q1 approved once by admin (cli)\n');
    expect(run.stdout()).toContain('? a1q2 denied by admin (cli)\n');
  });

  it('asks on a terminal, sends what was typed, and says when someone else answered first', async () => {
    const screen = onTerminal(['job', 'run', '--node', 'asker', 'deploy it']);
    const asking = await AskingJob.start();

    await asking.ask(command('a1q1'));
    await screen.shows(/Approve\? \[y\] once {2}\[a\] for this job {2}\[n\] deny {2}\[s\] deny and stop > $/);
    screen.type('a\r');
    const first = await asking.answered('a1q1');
    expect(first).toMatchObject({ answer: { decision: 'acceptForSession' }, by: byAdmin });
    await asking.told(first);
    await screen.shows(/\? a1q1 approved for this job by admin \(cli\)\n/);

    await asking.ask(userInput('a1q2'));
    await screen.shows(/Theme: Which colour\?\n +1\. red — warm\n +2\. blue — calm\n.*a number \(empty line: deny\) > $/);
    // No third option: asked again.
    screen.type('3\r');
    await screen.shows(/> 3\n {2}an option's number, 1 to 2\n.*a number \(empty line: deny\) > $/);
    screen.type('2\r');
    const second = await asking.answered('a1q2');
    expect(second.answer).toEqual({ decision: 'accept', answers: { colour: ['blue'] } });
    await asking.told(second);

    // Answered from the dashboard while the terminal asks: the prompt is withdrawn.
    await asking.ask(command('a1q3'));
    await screen.shows(/a1q3\)\n.*Approve\? .* > $/);
    await master.api('/api/jobs/1/questions/a1q3', { method: 'POST', body: JSON.stringify({ decision: 'decline', via: 'dashboard' }) });
    await asking.told(await asking.answered('a1q3'));
    await screen.shows(/\? a1q3 denied by admin \(dashboard\)\n {2}\(question a1q3: answered elsewhere\)\n/);

    // Answered elsewhere, but the node has not said so yet: what is typed is refused by the master.
    await asking.ask(command('a1q4'));
    await screen.shows(/a1q4\)\n.*Approve\? .* > $/);
    await master.api('/api/jobs/1/questions/a1q4', { method: 'POST', body: JSON.stringify({ decision: 'accept', via: 'api' }) });
    screen.type('n\r');
    await screen.shows(/\n {2}.*already decided.*\n/);
    await asking.told(await asking.answered('a1q4'));

    // A patch is shown before the prompt; an elicitation takes its content as JSON.
    await asking.ask(fileChange('a1q5'));
    await screen.shows(/\(question a1q5\)\n {2}± update src\/app\.ts \(\+1 -1\)\n {2}@@ -1 \+1 @@\n {2}-old\n {2}\+new\n {2}± add NOTES\.md \(\+1 -0\)\n {2}\+hello\nApprove\? .* > $/);
    screen.type('y\r');
    await asking.told(await asking.answered('a1q5'));
    await asking.ask(elicitation('a1q6'));
    await screen.shows(/deployer asks: Which environment\? \(question a1q6\)\n.*\nAccept\? \[y\] accept {2}\[n\] decline {2}\[s\] cancel > $/);
    screen.type('y\r');
    await screen.shows(/content as JSON > $/);
    screen.type('staging\r');
    await screen.shows(/ {2}that is not JSON\ncontent as JSON > $/);
    screen.type('{"environment": "prod"}\r');
    const content = await asking.answered('a1q6');
    expect(content.answer).toEqual({ decision: 'accept', content: { environment: 'prod' } });
    await asking.told(content);
    await asking.finish();
    expect(await screen.exited).toBe(0);
    expect(screen.text()).toContain('■ succeeded');
  });

  it('takes Ctrl-C at a prompt as stopping to follow; the question still waits', async () => {
    const screen = onTerminal(['job', 'run', '--node', 'asker', 'deploy it']);
    const asking = await AskingJob.start();
    await asking.ask(command('a1q1'));
    await screen.shows(/Approve\? .* > $/);
    screen.type('\u0003');
    expect(await screen.exited).toBe(130);
    expect(screen.text()).toContain('stopped following; job 1 goes on (csc job cancel 1 stops it)');
    expect((await questions(1)).map((q) => q.status)).toEqual(['pending']);
  });
});

/** `csc` under a pseudo-terminal (`script`), as in a person's shell, with what it shows and a keyboard. */
function onTerminal(args: string[]): { shows(pattern: RegExp): Promise<void>; type(keys: string): void; text(): string; exited: Promise<number | null> } {
  const line = [process.execPath, CSC, ...args, ...connection()].map((a) => `'${a}'`).join(' ');
  const tty = spawn('script', ['-qfec', line, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', TERM: 'xterm', NO_COLOR: '1' } });
  terminals.push(tty);
  let out = '';
  tty.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => tty.on('close', resolve));
  // What a person sees: the carriage returns and line clearing of the line editor taken out.
  const text = () => out.replace(/\r\n/g, '\n').replace(LINE_CLEARED, '').replace(ESCAPES, '').replace(/\r/g, '');
  return {
    shows: async (pattern) => {
      await waitFor(() => pattern.test(text()), String(pattern), 10_000).catch((error: Error) => {
        throw new Error(`${error.message}; the terminal shows:\n${text()}`);
      });
    },
    type: (keys) => tty.stdin.write(keys),
    text,
    exited,
  };
}
