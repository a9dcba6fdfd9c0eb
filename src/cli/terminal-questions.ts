import { createInterface, type Interface } from 'node:readline/promises';
import type { JobEvent, JobQuestion, QuestionAnswer, SequencedJobEvent } from '../protocol/index.js';
import { ApiClientError, type ApiClient } from './api-client.js';
import { postAnswer } from './question-command.js';
import { describeDecision, renderEvent } from './render-job.js';
import { answerHint, DECISION_KEYS, questionDetails } from './render-question.js';

type UserInputItem = Extract<JobQuestion, { kind: 'user_input' }>['questions'][number];

/** The terminal `csc job run` talks to: a person at stdin, the log on stdout. */
export interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
  colour: boolean;
}

/** Why a question is no longer being asked (answered elsewhere, the job ended or started over); its message is shown. */
class Withdrawn extends Error {}

/**
 * The log of a job followed on a terminal, where its questions are put to the person at it: one at
 * a time, in the order Codex asked, each answered through the master like any other answer. An
 * answer from elsewhere (a chat, the dashboard, the approval timeout) withdraws the question being
 * asked; one that beat this terminal's answer to the master is reported as such.
 */
export class TerminalQuestions {
  private readonly queue: JobQuestion[] = [];
  /** Questions this terminal answered: their `answer` events need no comment. */
  private readonly mine = new Set<string>();
  private asking: { id: string; abort: AbortController } | undefined;
  private line: Interface | undefined;
  /** A prompt is on the screen, waiting for a line. */
  private prompting = false;
  private draining = false;
  /** Stdin ended (Ctrl-D): questions are printed with how to answer them, as when not on a terminal. */
  private gone = false;

  constructor(
    private readonly api: ApiClient,
    private readonly jobId: number,
    private readonly terminal: Terminal,
  ) {}

  /** Prints an event, and puts a question to the person (or withdraws one) when the event says so. */
  take(sequenced: SequencedJobEvent): void {
    const { event } = sequenced;
    if (event.kind === 'answer') this.answeredElsewhere(event);
    // A new attempt starts over: what the one before asked no longer stands.
    if (event.kind === 'started') this.withdrawAll('the job started over');
    const rendered = renderEvent(sequenced);
    if (rendered !== undefined) this.print(rendered);
    if (event.kind === 'question' && this.gone) this.print(`  ${answerHint(this.jobId, event.question)}`);
    else if (event.kind === 'question') {
      this.queue.push(event.question);
      void this.drain();
    }
  }

  /** The job ended: nothing is asked any more. */
  close(): void {
    this.withdrawAll();
  }

  /** Prints a line above the prompt, which stays where it is with what was typed so far. */
  private print(text: string): void {
    const { output } = this.terminal;
    if (this.line === undefined || !this.prompting) {
      output.write(`${text}\n`);
      return;
    }
    output.write(`\r\x1b[K${text}\n`);
    this.line.prompt(true);
  }

  private answeredElsewhere(event: Extract<JobEvent, { kind: 'answer' }>): void {
    const queued = this.queue.findIndex((q) => q.id === event.questionId);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.asking?.id === event.questionId && !this.mine.has(event.questionId)) this.withdraw('answered elsewhere');
  }

  private withdrawAll(why?: string): void {
    this.queue.length = 0;
    this.withdraw(why);
  }

  /** Stops asking at once, so that what is printed next is not drawn around a dead prompt. */
  private withdraw(why: string | undefined): void {
    if (this.asking === undefined) return;
    this.asking.abort.abort(new Withdrawn(why));
    this.closeLine();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        await this.ask(next).catch((error: unknown) => this.print(`  could not ask question ${next?.id ?? ''}: ${error instanceof Error ? error.message : String(error)}`));
      }
    } finally {
      this.draining = false;
    }
  }

  /** Shows the question, reads the answer and sends it; a withdrawal says why and moves on. */
  private async ask(question: JobQuestion): Promise<void> {
    const abort = new AbortController();
    this.asking = { id: question.id, abort };
    try {
      for (const detail of questionDetails(question, this.terminal.colour)) this.print(`  ${detail}`);
      const answer = await this.read(question, abort.signal);
      this.mine.add(question.id);
      this.closeLine();
      await this.send(question, answer);
    } catch (error) {
      this.closeLine();
      if (!(abort.signal.reason instanceof Withdrawn)) throw error;
      if (abort.signal.reason.message !== '') this.print(`  (question ${question.id}: ${abort.signal.reason.message})`);
    } finally {
      this.asking = undefined;
    }
  }

  private async send(question: JobQuestion, answer: QuestionAnswer): Promise<void> {
    try {
      await postAnswer(this.api, this.jobId, question.id, answer);
      this.print(`  → ${describeDecision(answer)}`);
    } catch (error) {
      // A 409 names who decided first, and how.
      if (error instanceof ApiClientError && error.code === 'conflict') this.print(`  ${error.message}`);
      else this.print(`  could not answer (${error instanceof Error ? error.message : String(error)}); csc job approve|deny ${this.jobId} --question ${question.id} still can`);
    }
  }

  private read(question: JobQuestion, signal: AbortSignal): Promise<QuestionAnswer> {
    switch (question.kind) {
      case 'user_input':
        return this.readUserInput(question.questions, signal);
      case 'tool_call':
        return this.readText(`output of ${question.tool} (empty line: deny) > `, signal);
      case 'elicitation':
        return this.readElicitation(question, signal);
      default:
        return this.readDecision(question, 'Approve?', signal);
    }
  }

  /** The offered decisions as keys: `Approve? [y] once  [a] for this job  [n] deny  [s] deny and stop`. */
  private async readDecision(question: JobQuestion, verb: string, signal: AbortSignal): Promise<QuestionAnswer> {
    // Declining is always possible, offered or not.
    const decisions = question.decisions.includes('decline') ? question.decisions : [...question.decisions, 'decline' as const];
    const prompt = `${verb} ${decisions.map((d) => `[${DECISION_KEYS[d].key}] ${verb === 'Approve?' ? DECISION_KEYS[d].label : d}`).join('  ')} > `;
    for (;;) {
      const typed = (await this.question(prompt, signal)).trim().toLowerCase();
      const decision = decisions.find((d) => DECISION_KEYS[d].key === typed[0]);
      if (decision !== undefined && typed !== '') return { decision };
    }
  }

  private async readText(prompt: string, signal: AbortSignal): Promise<QuestionAnswer> {
    const text = await this.question(prompt, signal);
    return text === '' ? { decision: 'decline' } : { decision: 'accept', text };
  }

  /** Accept (with content as JSON when the server wants some), decline or cancel. */
  private async readElicitation(question: Extract<JobQuestion, { kind: 'elicitation' }>, signal: AbortSignal): Promise<QuestionAnswer> {
    const { decision } = await this.readDecision(question, 'Accept?', signal);
    const wantsContent = question.mode !== 'url' && question.requestedSchema !== undefined;
    if (decision !== 'accept' || !wantsContent) return { decision };
    for (;;) {
      try {
        return { decision, content: JSON.parse(await this.question('content as JSON > ', signal)) as unknown };
      } catch (error) {
        if (signal.aborted) throw error;
        this.print('  that is not JSON');
      }
    }
  }

  /** Each question in turn: an option's number, or (where allowed) words of one's own; an empty line denies. */
  private async readUserInput(items: UserInputItem[], signal: AbortSignal): Promise<QuestionAnswer> {
    const answers: Record<string, string[]> = {};
    for (const item of items) {
      this.print(`  ${item.header ? `${item.header}: ` : ''}${item.question}`);
      item.options.forEach((o, i) => this.print(`    ${i + 1}. ${o.label}${o.description ? ` — ${o.description}` : ''}`));
      const free = item.isOther || item.options.length === 0;
      const prompt = `${item.options.length > 0 ? `a number${free ? ' or an answer' : ''}` : 'your answer'} (empty line: deny) > `;
      for (;;) {
        const typed = (await this.question(prompt, signal)).trim();
        if (typed === '') return { decision: 'decline' };
        const option = /^\d+$/.test(typed) ? item.options[Number(typed) - 1] : undefined;
        if (option !== undefined || free) {
          answers[item.id] = [option?.label ?? typed];
          break;
        }
        this.print(`  an option's number, 1 to ${item.options.length}`);
      }
    }
    return { decision: 'accept', answers };
  }

  private async question(prompt: string, signal: AbortSignal): Promise<string> {
    this.line ??= this.openLine();
    this.prompting = true;
    try {
      return await this.line.question(prompt, { signal });
    } finally {
      this.prompting = false;
    }
  }

  /** A line editor only while asking, so that Ctrl-C between questions is the shell's as usual. */
  private openLine(): Interface {
    const line = createInterface({ input: this.terminal.input, output: this.terminal.output, terminal: true });
    // The line editor takes Ctrl-C as a key: pass it on as the signal `csc job run` stops following on.
    line.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    // Ctrl-D, or stdin gone: this terminal answers nothing more, the other ways still can.
    line.once('close', () => {
      if (this.line !== line) return;
      this.gone = true;
      this.withdrawAll(`no answer from this terminal; csc job approve|deny ${this.jobId} still can`);
    });
    return line;
  }

  private closeLine(): void {
    const line = this.line;
    if (line === undefined) return;
    this.line = undefined;
    this.terminal.output.write('\r\x1b[K');
    line.close();
  }
}
