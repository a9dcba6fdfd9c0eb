import { catalogOf, languageOf, type AnswerOutcome, type Catalog, type ChatAnswerer, type ChatJobRequest, type QuestionAnswer, type QuestionState } from '../chat/index.js';
import type { CodexQuestion } from '../codex/index.js';
import { isoNow, type Answerer, type JobEvent } from '../protocol/index.js';

/** What a run's questions need of it. */
export interface RunQuestionsOptions {
  jobId: number;
  /** Where the run was asked for: only that chat answers its questions. */
  origin: ChatJobRequest['origin'];
  /** The runner's `allowed_users`. */
  allowedUsers: readonly string[];
  timeoutSec: number;
  /** Emits a job event (after the states changed, so that the update carries them). */
  emit: (event: JobEvent) => void;
  /** The first question starts waiting / the last one is decided: the run's time limit stops / runs on. */
  waiting: (questions: boolean) => void;
}

const DECLINE: QuestionAnswer = Object.freeze({ decision: 'decline' });

/** A question waiting for its answer. */
interface Waiting {
  settle(answer: QuestionAnswer, by: Answerer): void;
}

/**
 * The questions of one local run, decided right here: each gets an id (`a1q<n>`) and a pending
 * state in the job's summary (which the chat shows with buttons) and a `question` event; the
 * first answer from the run's chat by an allowed user wins, is recorded as an `answer` event and
 * goes to Codex. Nobody answering within `timeoutSec` declines (`timeout`); a turn that ends first
 * declines (`runner`). While any question waits, the run's own time limit is paused.
 */
export class RunQuestions {
  private asked = 0;
  private list: QuestionState[] = [];
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly options: RunQuestionsOptions) {}

  /** The states, for the job's summary (a fresh array on every change). */
  get states(): QuestionState[] {
    return this.list;
  }

  /** Asks the run's chat; `signal` aborting (the turn is over) declines. Never rejects. */
  ask(question: CodexQuestion, signal: AbortSignal): Promise<QuestionAnswer> {
    const id = `a1q${++this.asked}`;
    const askedAt = new Date();
    const deadline = new Date(askedAt.getTime() + this.options.timeoutSec * 1000);
    return new Promise((resolve) => {
      const onMoot = () => waiting.settle(DECLINE, { via: 'runner', at: isoNow() });
      const timer = setTimeout(() => waiting.settle(DECLINE, { via: 'timeout', at: isoNow() }), this.options.timeoutSec * 1000);
      const waiting: Waiting = {
        settle: (answer, by) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onMoot);
          this.waiting.delete(id);
          this.change(id, { status: 'answered', answer, by });
          this.options.emit({ kind: 'answer', questionId: id, answer, by });
          if (this.waiting.size === 0) this.options.waiting(false);
          resolve(answer);
        },
      };
      if (this.waiting.size === 0) this.options.waiting(true);
      this.waiting.set(id, waiting);
      const state: QuestionState = { question: { ...question, id }, attempt: 1, askedAt: askedAt.toISOString(), deadline: deadline.toISOString(), status: 'pending' };
      this.list = [...this.list, state];
      this.options.emit({ kind: 'question', question: state.question });
      if (signal.aborted) onMoot();
      else signal.addEventListener('abort', onMoot, { once: true });
    });
  }

  /** A chat user's answer: the first one from the run's chat by an allowed user decides. */
  answer(questionId: string, answer: QuestionAnswer, user: ChatAnswerer): AnswerOutcome {
    const { jobId, origin, allowedUsers } = this.options;
    // Told in the answerer's language, as the engine has it.
    const t = catalogOf(languageOf(user.language)).runner;
    const state = this.list.find((s) => s.question.id === questionId);
    if (!state) return { outcome: 'not_found', message: t.noQuestion(jobId, questionId) };
    if (user.platform !== origin.kind || user.chatId !== String(origin.chatId) || !allowedUsers.includes(user.userId)) {
      return { outcome: 'refused', message: t.mayNotAnswer(jobId) };
    }
    const waiting = this.waiting.get(questionId);
    if (!waiting || state.status !== 'pending') return { outcome: 'already_decided', message: t.alreadyDecided(decidedText(t, state)), state };
    waiting.settle(answer, { via: 'telegram', userId: user.userId, ...(user.userName === undefined ? {} : { name: user.userName }), at: isoNow() });
    const decided = this.list.find((s) => s.question.id === questionId) ?? state;
    return { outcome: 'answered', message: t.answered(jobId, t.decisions[answer.decision]), state: decided };
  }

  /** The run is over: a question still pending (its turn should have settled it) is declined by the runner. */
  end(): void {
    for (const waiting of this.waiting.values()) waiting.settle(DECLINE, { via: 'runner', at: isoNow() });
  }

  private change(id: string, change: Pick<QuestionState, 'status' | 'answer' | 'by'>): void {
    this.list = this.list.map((s) => (s.question.id === id ? { ...s, ...change } : s));
  }
}

/** "approved once by june" / "denied by timeout" of a decided question. */
function decidedText(t: Catalog['runner'], state: QuestionState): string {
  if (state.status !== 'answered' || !state.answer) return t.noLongerAsked;
  const who = state.by?.via === 'telegram' ? (state.by.name ?? state.by.userId) : state.by?.via;
  return t.decidedBy(t.decisions[state.answer.decision], who);
}
