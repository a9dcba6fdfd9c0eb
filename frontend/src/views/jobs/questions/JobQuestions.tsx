import { useState } from 'react';
import type { QuestionState } from '../../../api/question-types';
import type { Job } from '../../../api/types';
import { formatSpan, formatTime } from '../../../ui/format';
import { useT } from '../../../i18n/I18n';
import { useNow } from '../../../ui/useNow';
import { AnswerForm } from './AnswerForm';
import { answerExtras, answererText, outcomeText, pendingOf, questionSummary, questionTitle } from './question-model';
import { QuestionWhat } from './QuestionWhat';

/**
 * Codex's questions of a job: the pending ones first, each with what Codex wants and its decision
 * buttons, then the decided ones with who decided, how and when. Kept live by the job's updates
 * on the event stream, which carry the questions' states.
 */
export function JobQuestions({ job }: { job: Job }) {
  // Answers refused as too late, by question id: said next to the winner once it shows.
  const [late, setLate] = useState<Record<string, string>>({});
  const t = useT().questions;
  const states = job.questions ?? [];
  if (states.length === 0) return null;
  const pending = pendingOf(states);
  const decided = states.filter((s) => s.status !== 'pending');
  return (
    <section className="questions" aria-labelledby="questions-title" data-testid="job-questions">
      <h3 id="questions-title">{t.heading}</h3>
      <p role="status" className={pending.length > 0 ? 'questions-waiting' : 'muted'} data-testid="questions-status">
        {pending.length === 0 ? t.noneWaits : pending.length === 1 ? t.oneWaits : t.manyWait(pending.length)}
      </p>
      {pending.map((state) => (
        <PendingQuestion key={state.question.id} jobId={job.id} state={state} onLate={(message) => setLate((all) => ({ ...all, [state.question.id]: message }))} />
      ))}
      {decided.length > 0 && (
        <ol className="questions-decided">
          {decided.map((state) => (
            <DecidedQuestion key={state.question.id} state={state} late={late[state.question.id]} />
          ))}
        </ol>
      )}
    </section>
  );
}

function PendingQuestion({ jobId, state, onLate }: { jobId: number; state: QuestionState; onLate: (message: string) => void }) {
  const { question } = state;
  const titleId = `question-${question.id}-title`;
  return (
    <article className="question question-pending" aria-labelledby={titleId} data-question={question.id} data-status="pending">
      <h4 id={titleId}>
        {questionTitle(question)} <span className="muted question-id">{question.id}</span>
      </h4>
      <QuestionWhat question={question} />
      <AnswerForm jobId={jobId} state={state} onLate={onLate} />
      <Deadline state={state} />
    </article>
  );
}

/** When the master declines it unanswered; the clock ticks so "in 4 min" stays true. */
function Deadline({ state }: { state: QuestionState }) {
  const now = useNow(5000);
  const t = useT().questions;
  const left = Math.max(0, Math.round((Date.parse(state.deadline) - now) / 1000));
  return (
    <p className="hint question-deadline" data-testid="question-deadline">
      {t.deadline(formatTime(state.askedAt), formatTime(state.deadline), left > 0 ? t.leftIn(formatSpan(left)) : t.anyMoment)}
    </p>
  );
}

function DecidedQuestion({ state, late }: { state: QuestionState; late: string | undefined }) {
  const { question, by } = state;
  const extras = answerExtras(question, state.answer);
  const t = useT().questions;
  return (
    <li className={`question question-${state.status}`} data-question={question.id} data-status={state.status}>
      <p className="question-summary">
        <span className="muted question-id">{question.id}</span> {t.askedTo(questionSummary(question))}
      </p>
      <p className="question-outcome" data-testid="question-outcome">
        <strong>{outcomeText(state)}</strong>
        {by && (
          <>
            {' '}
            {answererText(by)}, {formatTime(by.at)}
          </>
        )}
      </p>
      {extras && <p className="question-extras">{extras}</p>}
      {late && (
        <p className="note note-warn" role="status" data-testid="question-late">
          {t.late(late)}
        </p>
      )}
    </li>
  );
}
