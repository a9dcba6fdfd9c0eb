import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import type { JobQuestion } from '../protocol/index.js';
import { checkMarkdownV2 } from '../test-support/telegram-formats.js';
import { waitFor } from '../test-support/wait.js';
import { en } from './i18n/en.js';
import { answerFor, buttonsFor, parseButton } from './question-buttons.js';
import {
  ChatEngine,
  telegramMarkup,
  type AnswerOutcome,
  type ChatAnswerer,
  type ChatButton,
  type ChatJobUpdate,
  type ChatOutput,
  type IncomingAction,
  type JobGateway,
  type JobSummary,
  type QuestionAnswer,
  type QuestionState,
} from './index.js';

const md = telegramMarkup('MarkdownV2');
const ASKED_AT = '2030-01-01T10:00:00.000Z';
const command: JobQuestion = { kind: 'command', id: 'a1q1', method: 'item/commandExecution/requestApproval', command: 'rm -rf build/', cwd: '/w', reason: 'clean (really)', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] };
const userInput: JobQuestion = {
  kind: 'user_input',
  id: 'a1q2',
  method: 'item/tool/requestUserInput',
  questions: [{ id: 'db', header: 'Database', question: 'Which one?', isOther: false, isSecret: false, options: [{ label: 'sqlite', description: 'small' }, { label: 'postgres', description: '' }] }],
  decisions: ['accept', 'decline'],
};

function pending(question: JobQuestion): QuestionState {
  return { question, attempt: 1, askedAt: ASKED_AT, deadline: '2030-01-01T10:10:00.000Z', status: 'pending' };
}

function answered(question: JobQuestion, answer: QuestionAnswer, by: QuestionState['by']): QuestionState {
  return { ...pending(question), status: 'answered', answer, ...(by === undefined ? {} : { by }) };
}

/** A gateway whose jobs are pushed by the test, and whose answers it scripts. */
class FakeGateway implements JobGateway {
  readonly answers: { jobId: number; questionId: string; answer: QuestionAnswer; user: ChatAnswerer }[] = [];
  outcome: (answer: QuestionAnswer) => Promise<AnswerOutcome> = (answer) => Promise.resolve({ outcome: 'answered', message: 'Done.', state: answered(command, answer, { via: 'telegram', userId: '7', name: 'june', at: '2030-01-01T10:01:02.000Z' }) });
  private listener: ((update: ChatJobUpdate) => void) | undefined;
  readonly job: JobSummary = { id: 12, status: 'running', prompt: 'clean up', createdAt: ASKED_AT, lastSeq: 0 };

  submit = () => Promise.resolve({ ...this.job });
  cancel = () => Promise.resolve();
  status = () => Promise.reject(new Error('no status'));
  onUpdate(listener: (update: ChatJobUpdate) => void) {
    this.listener = listener;
    return () => undefined;
  }
  answer(jobId: number, questionId: string, answer: QuestionAnswer, user: ChatAnswerer): Promise<AnswerOutcome> {
    this.answers.push({ jobId, questionId, answer, user });
    return this.outcome(answer);
  }
  push(change: Partial<JobSummary>): void {
    this.listener?.({ job: { ...this.job, ...change }, events: [] });
  }
}

interface Sent {
  id: string;
  text: string;
  buttons?: readonly ChatButton[];
  edits: string[];
}

/** An output that keeps what was sent, checking every text as Telegram's MarkdownV2 parser would. */
function recordingOutput() {
  const sent: Sent[] = [];
  const check = (text: string) => expect(checkMarkdownV2(text)).not.toHaveProperty('error');
  const output: ChatOutput = {
    markup: md,
    limit: 4096,
    send: (to, text) => (check(text), sent.push({ id: String(sent.length + 1), text, edits: [] }), Promise.resolve({ chatId: to.chatId, messageId: String(sent.length) })),
    sendButtons: (to, text, buttons) => (check(text), sent.push({ id: String(sent.length + 1), text, buttons, edits: [] }), Promise.resolve({ chatId: to.chatId, messageId: String(sent.length) })),
    edit: (message, text) => {
      check(text);
      const target = sent.find((s) => s.id === message.messageId);
      target?.edits.push(text);
      if (target) target.text = text;
      return Promise.resolve();
    },
  };
  return { sent, output };
}

/** An engine with one running job (#12) started from chat 1 by user 7. */
async function running() {
  const gateway = new FakeGateway();
  const { sent, output } = recordingOutput();
  const engine = new ChatEngine({ gateway, access: (m) => (m.userId === '7' ? { allowed: true } : { allowed: false, hint: 'no' }), progressIntervalMs: 0, log: silentLogger() });
  await engine.handle({ platform: 'telegram', chatId: '1', messageId: '100', userId: '7', text: 'clean up' }, output);
  const replies: string[] = [];
  const press = (data: string, userId = '7') => {
    const action: IncomingAction = { platform: 'telegram', chatId: '1', messageId: '2', userId, userName: 'june', data, reply: (text) => (replies.push(text), Promise.resolve()) };
    return engine.handleAction(action, output);
  };
  return { gateway, sent, output, engine, press, replies };
}

const question = (sent: Sent[]) => waitFor(() => sent.find((s) => s.buttons), 'the question message');

describe('questions of Codex in a chat', () => {
  it('shows a pending question once with its decisions, answers a press, and edits the message to the outcome', async () => {
    const { gateway, sent, press, replies } = await running();
    gateway.push({ questions: [pending(command)] });
    gateway.push({ questions: [pending(command)] });
    const shown = await question(sent);
    expect(sent.filter((s) => s.buttons)).toHaveLength(1);
    expect(shown.text).toContain('Job \\#12 asks to run a command');
    expect(shown.text).toContain('`rm -rf build/`');
    expect(shown.text).toContain('Reason: clean \\(really\\)');
    expect(shown.text).toContain('Waiting up to 10 min for an answer');
    expect(shown.buttons?.map((b) => [b.label, b.data])).toEqual([
      ['Approve once', 'q|12|a1q1|a'],
      ['Approve for this job', 'q|12|a1q1|s'],
      ['Deny', 'q|12|a1q1|d'],
      ['Deny and stop', 'q|12|a1q1|c'],
    ]);
    await waitFor(() => sent[0]?.text.includes('Waiting for an answer to a question'), 'the progress message to say it waits');
    await press('q|12|a1q1|a');
    expect(gateway.answers).toEqual([{ jobId: 12, questionId: 'a1q1', answer: { decision: 'accept' }, user: { platform: 'telegram', chatId: '1', userId: '7', userName: 'june' } }]);
    expect(replies).toEqual(['Done.']);
    await waitFor(() => shown.edits.length === 1 || undefined, 'the question message edited');
    expect(shown.text).toContain('✅ Approved once by june \\(Telegram\\) at 10:01:02 UTC');
    expect(shown.text).not.toContain('Waiting up to');
    // The update that brings the same decision edits nothing more.
    gateway.push({ questions: [answered(command, { decision: 'accept' }, { via: 'telegram', userId: '7', name: 'june', at: '2030-01-01T10:01:02.000Z' })] });
    gateway.push({ status: 'succeeded', questions: [answered(command, { decision: 'accept' }, { via: 'telegram', userId: '7', name: 'june', at: '2030-01-01T10:01:02.000Z' })] });
    await waitFor(() => sent.find((s) => s.text.includes('succeeded')), 'the result');
    expect(shown.edits).toHaveLength(1);
  });

  it('refuses a stranger without asking the gateway, and leaves the question as it was', async () => {
    const { gateway, sent, press, replies } = await running();
    gateway.push({ questions: [pending(command)] });
    const shown = await question(sent);
    await press('q|12|a1q1|a', '666');
    expect(replies).toEqual(["You may not answer Codex's questions here (your user id: 666)."]);
    expect(gateway.answers).toEqual([]);
    expect(shown.edits).toEqual([]);
  });

  it('says who decided elsewhere, a timeout, and questions the job left behind', async () => {
    const { gateway, sent } = await running();
    const other: JobQuestion = { ...command, id: 'a1q3' };
    const third: JobQuestion = { ...command, id: 'a1q4' };
    gateway.push({ questions: [pending(command), pending(other), pending(third)] });
    await waitFor(() => sent.filter((s) => s.buttons).length === 3 || undefined, 'three questions');
    const [first, second, last] = sent.filter((s) => s.buttons) as [Sent, Sent, Sent];
    gateway.push({
      questions: [answered(command, { decision: 'decline', text: 'not now' }, { via: 'dashboard', name: 'admin', at: '2030-01-01T10:02:00.000Z' }), answered(other, { decision: 'decline' }, { via: 'timeout', at: '2030-01-01T10:10:00.000Z' }), pending(third)],
    });
    await waitFor(() => (first.edits.length === 1 && second.edits.length === 1) || undefined, 'two edits');
    expect(first.text).toContain('🛑 Denied: "not now" by admin \\(the dashboard\\) at 10:02:00 UTC');
    expect(second.text).toContain('⌛ Denied: nobody answered in time');
    gateway.push({ status: 'cancelled', questions: [pending(third)] });
    await waitFor(() => last.edits.length === 1 || undefined, 'the last question closed');
    expect(last.text).toContain('No longer asked: the job ended');
  });

  it('answers a user-input question with the option pressed', async () => {
    const { gateway, sent, press } = await running();
    gateway.outcome = (answer) => Promise.resolve({ outcome: 'answered', message: 'Answered.', state: answered(userInput, answer, { via: 'telegram', userId: '7', name: 'june', at: ASKED_AT }) });
    gateway.push({ questions: [pending(userInput)] });
    const shown = await question(sent);
    expect(shown.text).toContain('*Database*\nWhich one?\n• sqlite — small\n• postgres');
    expect(shown.buttons?.map((b) => b.label)).toEqual(['sqlite', 'postgres', 'Deny']);
    await press('q|12|a1q2|o1');
    expect(gateway.answers[0]?.answer).toEqual({ decision: 'accept', answers: { db: ['postgres'] } });
    await waitFor(() => shown.edits.length === 1 || undefined, 'the edit');
    expect(shown.text).toContain('✅ Answered "postgres" by june');
  });

  it('tells the presser when the answer could not be given or came too late', async () => {
    const { gateway, sent, press, replies } = await running();
    gateway.push({ questions: [pending(command)] });
    const shown = await question(sent);
    gateway.outcome = () => Promise.reject(new Error('the master is out of reach'));
    await press('q|12|a1q1|d');
    const decided = answered(command, { decision: 'accept' }, { via: 'cli', name: 'admin', at: ASKED_AT });
    gateway.outcome = () => Promise.resolve({ outcome: 'already_decided', message: 'Already decided: approved once by admin.', state: decided });
    await press('q|12|a1q1|d');
    await press('hello');
    expect(replies).toEqual(['Could not answer: the master is out of reach', 'Already decided: approved once by admin.', 'This button is not one of mine.']);
    await waitFor(() => shown.edits.length === 1 || undefined, 'the edit');
    expect(shown.text).toContain('Approved once by admin \\(the CLI\\)');
  });

  it('answers a press on a question shown before a restart, and edits the message pressed', async () => {
    const { gateway, sent, press, replies } = await running();
    const old: Sent = { id: '2', text: 'an old question', buttons: [], edits: [] };
    sent.push(old);
    await press('q|40|a1q1|s');
    expect(gateway.answers[0]).toMatchObject({ jobId: 40, questionId: 'a1q1', answer: { decision: 'acceptForSession' } });
    expect(replies).toEqual(['Done.']);
    await waitFor(() => old.edits.length === 1 || undefined, 'the pressed message edited');
    expect(old.text).toContain('Job \\#40 asks to run a command');
    expect(old.text).toContain('Approved for this job by june');
    // An option needs its question, which this engine no longer knows.
    await press('q|40|a1q2|o0');
    expect(replies.at(-1)).toBe('This question is no longer open.');
  });

  it('makes buttons of at most 64 bytes that parse back, for every kind', () => {
    const id = 'x'.repeat(32);
    const kinds: JobQuestion[] = [
      { ...command, id },
      { kind: 'file_change', id, method: 'm', changes: [{ path: 'a.ts', kind: 'update', added: 1, removed: 2 }], grantRoot: '/w', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] },
      { kind: 'permissions', id, method: 'm', permissions: { network: { enabled: true } }, decisions: ['accept', 'acceptForSession', 'decline'] },
      { ...userInput, id },
      { kind: 'elicitation', id, method: 'm', serverName: 'gh', mode: 'form', message: 'Sure?', requestedSchema: { type: 'object', required: ['repo'] }, decisions: ['accept', 'decline', 'cancel'] },
      { kind: 'tool_call', id, method: 'm', tool: 'lookup', arguments: { q: 1 }, decisions: ['accept', 'decline'] },
      { kind: 'unknown', id, method: 'item/future', params: {}, decisions: ['decline'] },
    ];
    const labels = kinds.map((q) => buttonsFor(en, 999_999_999_999_999, q).map((b) => b.label));
    expect(labels).toEqual([
      ['Approve once', 'Approve for this job', 'Deny', 'Deny and stop'],
      ['Approve once', 'Approve for this job', 'Deny', 'Deny and stop'],
      ['Approve once', 'Approve for this job', 'Deny'],
      ['sqlite', 'postgres', 'Deny'],
      // A form with required fields cannot be accepted empty: that is the dashboard's job.
      ['Decline', 'Cancel'],
      ['Deny'],
      ['Deny'],
    ]);
    for (const q of kinds) {
      for (const button of buttonsFor(en, 999_999_999_999_999, q)) {
        expect(Buffer.byteLength(button.data)).toBeLessThanOrEqual(64);
        const press = parseButton(button.data);
        expect(press).toMatchObject({ jobId: 999_999_999_999_999, questionId: id });
        expect(press && answerFor(press, q)).toBeDefined();
      }
    }
    // Only offered decisions, and decline, which Codex always takes.
    expect(buttonsFor(en, 1, { ...command, decisions: ['accept', 'cancel'] }).map((b) => b.label)).toEqual(['Approve once', 'Deny', 'Deny and stop']);
  });
});
