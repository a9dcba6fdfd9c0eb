import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../api/client';
import { useT } from '../i18n/I18n';
import { Feedback } from '../ui/states';

/** Sends one chat line to every node, as the seed's console does. */
export function BroadcastForm() {
  const [text, setText] = useState('');
  const t = useT().broadcast;
  const send = useMutation({
    mutationFn: (message: string) => api<{ delivered: number }>('/broadcast', { method: 'POST', body: { text: message } }),
    onSuccess: () => setText(''),
  });

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (text.trim() !== '') send.mutate(text);
  };

  return (
    <section className="card" aria-labelledby="broadcast-title">
      <h2 id="broadcast-title">{t.title}</h2>
      <form onSubmit={submit} className="row-form">
        <label htmlFor="broadcast-text">{t.label}</label>
        <input
          id="broadcast-text"
          type="text"
          value={text}
          maxLength={65536}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="primary" disabled={send.isPending || text.trim() === ''}>
          {send.isPending ? t.sending : t.send}
        </button>
      </form>
      {send.isSuccess && (
        <Feedback kind="ok">{t.delivered(send.data.delivered)}</Feedback>
      )}
      {send.isError && <Feedback kind="error">{t.notSent(describeError(send.error))}</Feedback>}
    </section>
  );
}
