import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../api/client';
import { keys, useRemoteNodes } from '../api/queries';
import { REMOTE_NODE_STATUSES, type RemoteNode, type RemoteNodeStatus } from '../api/types';
import { formatTime, parseList } from '../ui/format';
import { useT } from '../i18n/I18n';
import { Empty, ErrorState, Feedback, Loading } from '../ui/states';

/** The seed's mock-up: remote Codex node records the master keeps, to try the flow before real ones. */
export function RemoteNodesView() {
  const list = useRemoteNodes();
  const t = useT().remoteNodes;
  const words = useT().status;
  const client = useQueryClient();
  // Every change refetches the list: the live stream may be down, and the list is small.
  const refresh = () => client.invalidateQueries({ queryKey: keys.remoteNodes });
  const update = useMutation({
    mutationFn: ({ id, status }: { id: number; status: RemoteNodeStatus }) => api<RemoteNode>(`/remote-nodes/${id}`, { method: 'PATCH', body: { status } }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: number) => api<undefined>(`/remote-nodes/${id}`, { method: 'DELETE' }),
    onSettled: refresh,
  });

  return (
    <section className="card" aria-labelledby="remote-title">
      <h1 id="remote-title">{t.title}</h1>
      <p className="lead">{t.lead}</p>
      {list.isPending ? (
        <Loading what={t.what} />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : (
        <>
          <AddRemoteNode key={list.data.defaultTags.join(',')} defaultTags={list.data.defaultTags} onAdded={refresh} />
          {list.data.remoteNodes.length === 0 ? (
            <Empty>{t.none}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table table-stack" data-testid="remote-nodes-table">
                <thead>
                  <tr>
                    <th scope="col">{t.name}</th>
                    <th scope="col">{t.host}</th>
                    <th scope="col">{t.tags}</th>
                    <th scope="col">{t.status}</th>
                    <th scope="col">{t.updated}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t.actions}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.remoteNodes.map((node) => (
                    <tr key={node.id} data-remote-node={node.name}>
                      <th scope="row">{node.name}</th>
                      <td data-label={t.host}>{node.host}</td>
                      <td data-label={t.tags}>{node.tags.map((t) => <span key={t} className="tag">{t}</span>)}</td>
                      <td data-label={t.status}>
                        <select aria-label={t.statusOf(node.name)} value={node.status} onChange={(e) => update.mutate({ id: node.id, status: e.target.value as RemoteNodeStatus })}>
                          {REMOTE_NODE_STATUSES.map((s) => (
                            <option key={s} value={s}>
                              {words[s] ?? s}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td data-label={t.updated}>{formatTime(node.updatedAt)}</td>
                      <td>
                        <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(node.id)} aria-label={t.deleteNamed(node.name)}>
                          {t.delete}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {update.isError && <Feedback kind="error">{t.notChanged(describeError(update.error))}</Feedback>}
      {remove.isError && <Feedback kind="error">{t.notDeleted(describeError(remove.error))}</Feedback>}
    </section>
  );
}

function AddRemoteNode({ defaultTags, onAdded }: { defaultTags: string[]; onAdded: () => Promise<void> }) {
  const empty = { name: '', host: '', tags: defaultTags.join(', ') };
  const [form, setForm] = useState(empty);
  const t = useT().remoteNodes;
  const add = useMutation({
    mutationFn: () => api<RemoteNode>('/remote-nodes', { method: 'POST', body: { name: form.name.trim(), host: form.host.trim(), tags: parseList(form.tags) } }),
    onSuccess: async () => {
      setForm(empty);
      await onAdded();
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    add.mutate();
  };
  const field = (name: keyof typeof form) => ({ value: form[name], onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }) });

  return (
    <form className="inline-form" onSubmit={submit} aria-label={t.add}>
      <div className="field">
        <label htmlFor="remote-name">{t.name}</label>
        <input id="remote-name" type="text" required maxLength={64} {...field('name')} />
      </div>
      <div className="field">
        <label htmlFor="remote-host">{t.host}</label>
        <input id="remote-host" type="text" required maxLength={255} placeholder={t.hostPlaceholder} spellCheck={false} {...field('host')} />
      </div>
      <div className="field">
        <label htmlFor="remote-tags">{t.tags}</label>
        <input id="remote-tags" type="text" spellCheck={false} {...field('tags')} />
      </div>
      <button type="submit" className="primary" disabled={add.isPending}>
        {add.isPending ? t.adding : t.addNode}
      </button>
      {add.isError && <Feedback kind="error">{t.notAdded(describeError(add.error))}</Feedback>}
    </form>
  );
}
