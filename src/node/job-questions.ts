import { DECLINE, type CodexQuestion } from '../codex/index.js';
import type { Logger } from '../log/index.js';
import { DEFAULT_APPROVAL_TIMEOUT_SEC, isoNow, type Answerer, type JobEvent, type JobSpec, type QuestionAnswer } from '../protocol/index.js';
import { fitQuestion } from './fit-question.js';

/**
 * How long past the job's approval timeout the node waits before it declines a question itself:
 * the master declines on time and tells the node; this is for a master that stays away.
 */
const NODE_QUESTION_GRACE_SEC = 300;

/** A question waiting for its answer. */
interface Waiting {
  answered(answer: QuestionAnswer, by: Answerer): void;
  /** Settles it as declined by the node, saying why in the log. */
  decline(why: string): void;
}

export interface JobQuestionsOptions {
  /** The copy of the job that asks: its ids and its approval timeout. */
  spec: JobSpec;
  /** Emits a job event (the runner's, so it is journaled and delivered like any other). */
  emit: (event: JobEvent) => void;
  /** Aborts when this copy of the job stops (cancelled, replaced): what it still asks is declined. */
  stopped: AbortSignal;
  /** The current frame budget, which a question must fit. */
  frameBytes: () => number;
  log: Logger;
}

/**
 * The questions of one attempt of a job: each gets an id (`a<attempt>q<n>`), goes to the master as
 * a `question` event and waits for the master's `job_answer`; the answer is recorded as an `answer`
 * event before Codex hears it. The node settles a question itself (declined, by `node`) when it is
 * moot (the turn ended, the job stopped) or nobody answered long after the approval timeout.
 */
export class JobQuestions {
  private asked = 0;
  private readonly waiting = new Map<string, Waiting>();
  private readonly fallbackMs: number;

  constructor(private readonly options: JobQuestionsOptions) {
    this.fallbackMs = ((options.spec.profile.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC) + NODE_QUESTION_GRACE_SEC) * 1000;
  }

  /** Asks the people behind the job; `signal` aborting (the turn is over) declines. Never rejects. */
  ask(question: CodexQuestion, signal: AbortSignal): Promise<QuestionAnswer> {
    const { spec, emit, log } = this.options;
    const id = `a${spec.attempt}q${++this.asked}`;
    const moot = AbortSignal.any([signal, this.options.stopped]);
    return new Promise((resolve) => {
      const onMoot = () => waiting.decline('the question is moot (its turn ended or the job stopped)');
      const timer = setTimeout(() => waiting.decline(`nobody answered within ${this.fallbackMs / 1000} s`), this.fallbackMs);
      const waiting: Waiting = {
        answered: (answer, by) => {
          clearTimeout(timer);
          moot.removeEventListener('abort', onMoot);
          this.waiting.delete(id);
          emit({ kind: 'answer', questionId: id, answer, by });
          resolve(answer);
        },
        decline: (why) => {
          log.info({ job: spec.id, question: id, method: question.method }, `declining question ${id} of job ${spec.id}: ${why}`);
          waiting.answered(DECLINE, { via: 'node', at: isoNow() });
        },
      };
      this.waiting.set(id, waiting);
      emit({ kind: 'question', question: fitQuestion({ ...question, id }, this.options.frameBytes()) });
      if (moot.aborted) onMoot();
      else moot.addEventListener('abort', onMoot, { once: true });
    });
  }

  /** The master's answer to question `id`; false when no question of that id waits (answered already, moot, another attempt's). */
  answer(id: string, answer: QuestionAnswer, by: Answerer): boolean {
    const waiting = this.waiting.get(id);
    waiting?.answered(answer, by);
    return waiting !== undefined;
  }

  /** Declines what still waits: the run is over, and its `finished` must be the job's last event. */
  settleAll(): void {
    for (const waiting of [...this.waiting.values()]) waiting.decline('the run ended');
  }
}
