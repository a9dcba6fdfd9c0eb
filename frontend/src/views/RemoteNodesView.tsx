import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../api/client';
import { keys, useRemoteNodes } from '../api/queries';
import { REMOTE_NODE_STATUSES, type RemoteNode, type RemoteNodeStatus } from '../api/types';
import { formatTime, parseList } from '../ui/format';
import { Empty, ErrorState, Feedback, Loading } from '../ui/states';

/** The seed's mock-up: remote Codex node records the master keeps, to try the flow before real ones. */
export function RemoteNodesView() {
  const list = useRemoteNodes();
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
      <h1 id="remote-title">Remote nodes</h1>
      <p className="lead">Records of remote Codex machines, kept by the master. This is a mock-up: nothing connects to these hosts yet.</p>
      {list.isPending ? (
        <Loading what="remote nodes" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : (
        <>
          <AddRemoteNode key={list.data.defaultTags.join(',')} defaultTags={list.data.defaultTags} onAdded={refresh} />
          {list.data.remoteNodes.length === 0 ? (
            <Empty>No remote node yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table table-stack" data-testid="remote-nodes-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Host</th>
                    <th scope="col">Tags</th>
                    <th scope="col">Status</th>
                    <th scope="col">Updated</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.remoteNodes.map((node) => (
                    <tr key={node.id} data-remote-node={node.name}>
                      <th scope="row">{node.name}</th>
                      <td data-label="Host">{node.host}</td>
                      <td data-label="Tags">{node.tags.map((t) => <span key={t} className="tag">{t}</span>)}</td>
                      <td data-label="Status">
                        <select aria-label={`Status of ${node.name}`} value={node.status} onChange={(e) => update.mutate({ id: node.id, status: e.target.value as RemoteNodeStatus })}>
                          {REMOTE_NODE_STATUSES.map((s) => (
                            <option key={s} value={s}>
                              {s}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td data-label="Updated">{formatTime(node.updatedAt)}</td>
                      <td>
                        <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(node.id)} aria-label={`Delete ${node.name}`}>
                          Delete
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
      {update.isError && <Feedback kind="error">Status not changed: {describeError(update.error)}</Feedback>}
      {remove.isError && <Feedback kind="error">Not deleted: {describeError(remove.error)}</Feedback>}
    </section>
  );
}

function AddRemoteNode({ defaultTags, onAdded }: { defaultTags: string[]; onAdded: () => Promise<void> }) {
  const empty = { name: '', host: '', tags: defaultTags.join(', ') };
  const [form, setForm] = useState(empty);
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
    <form className="inline-form" onSubmit={submit} aria-label="Add a remote node">
      <div className="field">
        <label htmlFor="remote-name">Name</label>
        <input id="remote-name" type="text" required maxLength={64} {...field('name')} />
      </div>
      <div className="field">
        <label htmlFor="remote-host">Host</label>
        <input id="remote-host" type="text" required maxLength={255} placeholder="gpu-box.example or 203.0.113.7" spellCheck={false} {...field('host')} />
      </div>
      <div className="field">
        <label htmlFor="remote-tags">Tags</label>
        <input id="remote-tags" type="text" spellCheck={false} {...field('tags')} />
      </div>
      <button type="submit" className="primary" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add node'}
      </button>
      {add.isError && <Feedback kind="error">Not added: {describeError(add.error)}</Feedback>}
    </form>
  );
}
