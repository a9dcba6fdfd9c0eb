import type { Logger } from '../log/index.js';
import { FINAL_JOB_STATUSES } from '../protocol/index.js';
import type { Catalog } from './i18n/index.js';
import { answerFor, buttonsFor, parseButton } from './question-buttons.js';
import { outcomeLine, questionLines, waitLine } from './question-text.js';
import type { ChatContext } from './router.js';
import { cutPoint } from './markup.js';
import { errorText, type AccessDecision, type ChatOutput, type IncomingAction, type IncomingMessage, type JobGateway, type JobSummary, type QuestionState, type SentMessage } from './types.js';

export interface QuestionBoardOptions {
  gateway: JobGateway;
  /** The engine's access check, asked for a press as for a message from that chat and user. */
  access: (message: IncomingMessage) => AccessDecision;
  /** Where a question that takes text can be answered (the buttons only decide), in a language. */
  textHint: (t: Catalog) => string;
  /** The texts for a user whose platform says this language (a press whose question this board did not show). */
  catalogFor: (language: string | undefined) => Catalog;
  log: Logger;
}

/** A question shown in a chat: its message (once sent), and whether it still shows buttons. */
interface Shown {
  state: QuestionState;
  /** The language of the request's thread. */
  t: Catalog;
  /** What Codex asks (formatted lines). */
  asked: string[];
  output: ChatOutput;
  message: Promise<SentMessage | undefined>;
  decided: boolean;
}

/**
 * Codex's questions in the job's thread: each pending question once, as a message with a button
 * per decision; once it is decided (here, elsewhere, by timeout) or moot, the message is edited to
 * say who decided what, when, and its buttons go. A press is checked like a message from that
 * chat and user, then answered through the gateway; the presser is told how it went.
 */
export class QuestionBoard {
  private readonly jobs = new Map<number, Map<string, Shown>>();

  constructor(private readonly options: QuestionBoardOptions) {}

  /** A tracked job's new state, from its thread `ctx`: shows new questions, closes decided ones; a final state closes them all. */
  update(job: JobSummary, ctx: ChatContext): void {
    const ended = FINAL_JOB_STATUSES.has(job.status);
    const shown = this.jobs.get(job.id) ?? new Map<string, Shown>();
    const current = new Map((job.questions ?? []).map((state) => [state.question.id, state]));
    for (const state of current.values()) {
      const entry = shown.get(state.question.id);
      if (!entry && state.status === 'pending' && !ended) shown.set(state.question.id, this.show(job.id, state, ctx));
      else if (entry && (state.status !== 'pending' || ended)) this.close(job.id, entry, state, ended);
    }
    // A question the job no longer lists belongs to an attempt that is gone.
    for (const [id, entry] of shown) if (!current.has(id)) this.close(job.id, entry, { ...entry.state, status: 'moot' }, ended);
    if (ended) this.jobs.delete(job.id);
    else if (shown.size > 0) this.jobs.set(job.id, shown);
  }

  /**
   * A button press under a message of `output`; failures are told to the presser and logged,
   * never thrown. A question this board did not show (the bridge restarted since) still gets its
   * message edited once decided.
   */
  async handleAction(action: IncomingAction, output: ChatOutput): Promise<void> {
    const press = parseButton(action.data);
    const entry = press && this.jobs.get(press.jobId)?.get(press.questionId);
    const t = entry?.t ?? this.options.catalogFor(action.language);
    if (!press) return action.reply(t.questions.notMine);
    const { platform, chatId, threadId, messageId, userId, userName } = action;
    const decision = this.options.access({ platform, chatId, messageId, userId, text: '', ...(threadId === undefined ? {} : { threadId }), ...(userName === undefined ? {} : { userName }) });
    if (!decision.allowed) {
      this.options.log.info({ platform, chat: chatId, user: userId, job: press.jobId }, 'refused a stranger\'s answer');
      return action.reply(t.questions.mayNotAnswer(userId));
    }
    const answer = answerFor(press, entry?.state.question);
    if (!answer) return action.reply(t.questions.closed);
    let reply: string;
    try {
      const who = { platform, chatId, userId, ...(userName === undefined ? {} : { userName }), ...(action.language === undefined ? {} : { language: action.language }) };
      const outcome = await this.options.gateway.answer(press.jobId, press.questionId, answer, who);
      const { state } = outcome;
      if (state && state.status !== 'pending') this.close(press.jobId, entry ?? this.pressed(t, press.jobId, state, action, output), state, false);
      reply = outcome.message;
    } catch (error) {
      this.options.log.warn({ err: error, job: press.jobId, question: press.questionId }, 'could not answer a question');
      reply = t.questions.couldNotAnswer(errorText(t, error));
    }
    await action.reply(reply);
  }

  /** Sends a pending question with its buttons, as a reply to the job's request. */
  private show(jobId: number, state: QuestionState, ctx: ChatContext): Shown {
    const { output, message, t } = ctx;
    const asked = questionLines(t, output.markup, jobId, state.question, this.options.textHint(t));
    const to = { chatId: message.chatId, replyTo: message.messageId, ...(message.threadId === undefined ? {} : { threadId: message.threadId }) };
    const sent = output.sendButtons(to, compose(t, asked, waitLine(t, state), output), buttonsFor(t, jobId, state.question)).catch((error: unknown) => {
      this.options.log.warn({ err: error, job: jobId, question: state.question.id }, 'could not show a question');
      return undefined;
    });
    return { state, t, asked, output, message: sent, decided: false };
  }

  /** The entry of a question shown before this board's time, from the message pressed. */
  private pressed(t: Catalog, jobId: number, state: QuestionState, action: IncomingAction, output: ChatOutput): Shown {
    const asked = questionLines(t, output.markup, jobId, state.question, this.options.textHint(t));
    return { state, t, asked, output, message: Promise.resolve({ chatId: action.chatId, messageId: action.messageId }), decided: false };
  }

  /** Edits a shown question to its outcome (once), which removes its buttons. */
  private close(jobId: number, entry: Shown, state: QuestionState, ended: boolean): void {
    if (entry.decided) return;
    entry.decided = true;
    entry.state = state;
    const text = compose(entry.t, entry.asked, outcomeLine(entry.t, state, ended), entry.output);
    void entry.message.then(async (sent) => {
      if (!sent) return;
      await entry.output.edit(sent, text).catch((error: unknown) => this.options.log.warn({ err: error, job: jobId, question: state.question.id }, 'could not update a question'));
    });
  }
}

/**
 * The question's lines and its last line (plain text), within the platform's limit: whole lines
 * are left off the question's end, so no entity is cut (the dashboard shows everything).
 */
function compose(t: Catalog, asked: readonly string[], last: string, output: ChatOutput): string {
  const tail = `\n\n${output.markup.escape(last)}`;
  const more = `\n${output.markup.escape(t.questions.cut)}`;
  const lines = [...asked];
  let text = lines.join('\n');
  if (text.length + tail.length <= output.limit) return text + tail;
  while (lines.length > 1 && text.length + more.length + tail.length > output.limit) {
    lines.pop();
    text = lines.join('\n');
  }
  return text.slice(0, cutPoint(text, output.limit - more.length - tail.length, output.markup)) + more + tail;
}
