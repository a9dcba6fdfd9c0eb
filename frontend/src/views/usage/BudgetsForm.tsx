import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../../api/client';
import { keys, useBudgets } from '../../api/queries';
import type { Budgets } from '../../api/usage-types';
import { useT } from '../../i18n/I18n';
import { ErrorState, Feedback, Loading } from '../../ui/states';
import { budgetValue } from './usage-model';

const BUDGETS = ['userDaily', 'chatDaily', 'masterDaily'] as const;
type Texts = Record<(typeof BUDGETS)[number], string>;

const textsOf = (budgets: Budgets): Texts => ({
  userDaily: budgets.userDaily == null ? '' : String(budgets.userDaily),
  chatDaily: budgets.chatDaily == null ? '' : String(budgets.chatDaily),
  masterDaily: budgets.masterDaily == null ? '' : String(budgets.masterDaily),
});

/** The daily budgets as stored (`GET /api/budgets`), saved with `PUT /api/budgets`; empty: no budget. */
export function BudgetsSection() {
  const t = useT().usage;
  const budgets = useBudgets();
  return (
    <section className="budgets" aria-labelledby="budgets-title">
      <h2 id="budgets-title">{t.budgets}</h2>
      <p className="hint">{t.budgetsLead}</p>
      {budgets.isPending ? (
        <Loading what={t.budgets} />
      ) : budgets.isError ? (
        <ErrorState error={budgets.error} retry={() => void budgets.refetch()} />
      ) : (
        <BudgetsForm budgets={budgets.data} />
      )}
    </section>
  );
}

function BudgetsForm({ budgets }: { budgets: Budgets }) {
  const t = useT().usage;
  const client = useQueryClient();
  const [texts, setTexts] = useState(() => textsOf(budgets));
  const [invalid, setInvalid] = useState(false);
  const save = useMutation({
    mutationFn: (body: Budgets) => api<Budgets>('/budgets', { method: 'PUT', body }),
    onSuccess: (saved) => {
      if (saved !== undefined) client.setQueryData(keys.budgets, saved);
      // The report carries the budgets too.
      void client.invalidateQueries({ queryKey: ['usage'] });
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const values = BUDGETS.map((key) => [key, budgetValue(texts[key])] as const);
    const bad = values.some(([, value]) => value === 'invalid');
    setInvalid(bad);
    if (!bad) save.mutate(Object.fromEntries(values));
  };
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      {BUDGETS.map((key) => (
        <div className="field" key={key}>
          <label htmlFor={`budget-${key}`}>{t[key]}</label>
          <input id={`budget-${key}`} type="text" inputMode="numeric" placeholder={t.noBudget} value={texts[key]} onChange={(e) => setTexts({ ...texts, [key]: e.target.value })} aria-invalid={invalid && budgetValue(texts[key]) === 'invalid'} />
        </div>
      ))}
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? t.saving : t.save}
      </button>
      {invalid && <Feedback kind="error">{t.badBudget}</Feedback>}
      {save.isSuccess && <Feedback kind="ok">{t.saved}</Feedback>}
      {save.isError && <Feedback kind="error">{t.notSaved(describeError(save.error))}</Feedback>}
    </form>
  );
}
