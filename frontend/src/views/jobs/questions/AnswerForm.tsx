import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, ApiRequestError, describeError } from '../../../api/client';
import type { DashboardAnswer, JobQuestion, QuestionAnswer, QuestionDecision, QuestionState, UserInputItem } from '../../../api/question-types';
import { applyQuestion, keys } from '../../../api/queries';
import { useT } from '../../../i18n/I18n';
import { Feedback } from '../../../ui/states';
import { buildAnswer, initialDraft, type Draft } from './answer-draft';
import { decisionButton } from './question-model';

/**
 * The fields a question's kind takes (user-input answers, an elicitation's content, a tool's
 * output) and a button per decision Codex offers. The master keeps the first answer; one that
 * comes too late is refused with who decided, which `onLate` hands up (this form is gone once the
 * question shows as decided).
 */
export function AnswerForm({ jobId, state, onLate }: { jobId: number; state: QuestionState; onLate: (message: string) => void }) {
  const { question } = state;
  const client = useQueryClient();
  const t = useT().questions;
  const [draft, setDraft] = useState<Draft>(() => initialDraft(question));
  const [invalid, setInvalid] = useState<string>();
  const send = useMutation({
    mutationFn: (answer: QuestionAnswer) =>
      api<{ question: QuestionState }>(`/jobs/${jobId}/questions/${encodeURIComponent(question.id)}`, { method: 'POST', body: { ...answer, via: 'dashboard' } satisfies DashboardAnswer }),
    onSuccess: ({ question: decided }) => applyQuestion(client, jobId, decided),
    onError: (error) => {
      if (!(error instanceof ApiRequestError && error.status === 409)) return;
      onLate(error.message);
      // The stream brings the winner's state too; this makes sure of it.
      void client.invalidateQueries({ queryKey: keys.job(jobId) });
    },
  });
  const decide = (decision: QuestionDecision): void => {
    const built = buildAnswer(question, decision, draft);
    setInvalid('error' in built ? built.error : undefined);
    if ('answer' in built) send.mutate(built.answer);
  };
  const edit = (change: Partial<Draft>): void => setDraft((current) => ({ ...current, ...change }));

  return (
    <form className="answer-form" onSubmit={(event) => event.preventDefault()}>
      <KindFields question={question} draft={draft} edit={edit} />
      <div className="answer-buttons" role="group" aria-label={t.answerGroup(question.id)}>
        {question.decisions.map((decision) => (
          <button key={decision} type="button" className={BUTTON_CLASS[decision]} disabled={send.isPending} onClick={() => decide(decision)}>
            {decisionButton(question, decision)}
          </button>
        ))}
      </div>
      {send.isPending && <p role="status">{t.sending}</p>}
      {invalid !== undefined && <Feedback kind="error">{invalid}</Feedback>}
      {send.isError && !(send.error instanceof ApiRequestError && send.error.status === 409) && <Feedback kind="error">{t.notAnswered(describeError(send.error))}</Feedback>}
    </form>
  );
}

const BUTTON_CLASS: Record<QuestionDecision, string | undefined> = { accept: 'primary', acceptForSession: undefined, decline: 'danger', cancel: 'danger' };

type FieldsProps = { question: JobQuestion; draft: Draft; edit: (change: Partial<Draft>) => void };

function KindFields({ question, draft, edit }: FieldsProps) {
  const id = useId();
  const t = useT().questions;
  switch (question.kind) {
    case 'user_input':
      return question.questions.map((item) => <UserInputField key={item.id} item={item} draft={draft} edit={edit} />);
    case 'elicitation':
      if (question.mode === 'url') return null;
      return (
        <div className="field">
          <label htmlFor={id}>{t.content}</label>
          <textarea id={id} rows={Math.min(12, draft.content.split('\n').length + 1)} spellCheck={false} value={draft.content} onChange={(e) => edit({ content: e.target.value })} />
        </div>
      );
    case 'tool_call':
      return (
        <div className="field">
          <label htmlFor={id}>{t.toolOutput}</label>
          <textarea id={id} rows={3} value={draft.text} onChange={(e) => edit({ text: e.target.value })} />
        </div>
      );
    default:
      return null;
  }
}

/** One of Codex's user-input questions: its options as choices, and a field for an answer of one's own. */
function UserInputField({ item, draft, edit }: { item: UserInputItem; draft: Draft; edit: FieldsProps['edit'] }) {
  const id = useId();
  const t = useT().questions;
  const pick = (label: string): void => edit({ picks: { ...draft.picks, [item.id]: label } });
  const type = (text: string): void => edit({ typed: { ...draft.typed, [item.id]: text } });
  const own = item.options.length === 0 || item.isOther;
  return (
    <fieldset className="user-input" data-user-input={item.id}>
      <legend>{item.header || t.question}</legend>
      <p className="user-input-question">{item.question}</p>
      {item.options.map((option) => (
        <label key={option.label} className="user-input-option">
          <input type="radio" name={id} value={option.label} checked={draft.picks[item.id] === option.label} onChange={() => pick(option.label)} />
          <span>
            {option.label}
            {option.description && <span className="hint"> {option.description}</span>}
          </span>
        </label>
      ))}
      {own && (
        <div className="field">
          <label htmlFor={`${id}-own`}>{item.options.length === 0 ? t.yourAnswer : t.orYourOwn}</label>
          <input id={`${id}-own`} type={item.isSecret ? 'password' : 'text'} autoComplete="off" value={draft.typed[item.id] ?? ''} onChange={(e) => type(e.target.value)} />
        </div>
      )}
    </fieldset>
  );
}
