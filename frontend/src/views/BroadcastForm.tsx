import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../api/client';
import { Feedback } from '../ui/states';

/** Sends one chat line to every node, as the seed's console does. */
export function BroadcastForm() {
  const [text, setText] = useState('');
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
      <h2 id="broadcast-title">Broadcast</h2>
      <form onSubmit={submit} className="row-form">
        <label htmlFor="broadcast-text">Message to every node</label>
        <input
          id="broadcast-text"
          type="text"
          value={text}
          maxLength={65536}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="primary" disabled={send.isPending || text.trim() === ''}>
          {send.isPending ? 'Sending…' : 'Send to all'}
        </button>
      </form>
      {send.isSuccess && (
        <Feedback kind="ok">
          Delivered to {send.data.delivered} {send.data.delivered === 1 ? 'node' : 'nodes'}.
        </Feedback>
      )}
      {send.isError && <Feedback kind="error">Not sent: {describeError(send.error)}</Feedback>}
    </section>
  );
}
