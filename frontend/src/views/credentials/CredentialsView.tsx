import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../../api/client';
import { keys, useCredentials } from '../../api/queries';
import type { Credential, NewCredential } from '../../api/types';
import { formatTime } from '../../ui/format';
import { Empty, ErrorState, Feedback, Loading } from '../../ui/states';
import { NewCredentialForm } from './NewCredentialForm';
import { NewToken } from './NewToken';

/** Per-machine credentials for nodes and bridges: create one (its token shown once), see when each was used, revoke. */
export function CredentialsView() {
  const list = useCredentials();
  const client = useQueryClient();
  // Kept here, not in the form: the list refetches under it, and the token must stay until dismissed.
  const [created, setCreated] = useState<NewCredential>();
  const refresh = () => client.invalidateQueries({ queryKey: keys.credentials });

  return (
    <section className="card" aria-labelledby="credentials-title">
      <h1 id="credentials-title">Credentials</h1>
      <p className="lead">
        A credential per machine, for nodes and bridges: the master keeps only a hash of each token, binds the credential to its name, and
        disconnects the machine at once when you revoke it. The shared tokens in the master's data directory (<code>master-token</code>,{' '}
        <code>bridge-token</code>) keep working beside these.
      </p>
      {created !== undefined && <NewToken credential={created} onDone={() => setCreated(undefined)} />}
      <NewCredentialForm
        onCreated={async (credential) => {
          setCreated(credential);
          await refresh();
        }}
      />
      {list.isPending ? (
        <Loading what="credentials" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty>No per-machine credential yet.</Empty>
      ) : (
        <CredentialTable credentials={list.data} onRevoked={refresh} />
      )}
    </section>
  );
}

function CredentialTable({ credentials, onRevoked }: { credentials: Credential[]; onRevoked: () => Promise<void> }) {
  // One row at a time asks "are you sure?": revoking cuts a machine off.
  const [confirming, setConfirming] = useState<string>();
  const revoke = useMutation({
    mutationFn: (name: string) => api<undefined>(`/tokens/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    onSuccess: () => setConfirming(undefined),
    onSettled: onRevoked,
  });
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid="credentials-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {credentials.map((credential) => (
            <tr key={credential.name} data-credential={credential.name}>
              <th scope="row">{credential.name}</th>
              <td data-label="Role">{credential.role}</td>
              <td data-label="Created">{formatTime(credential.createdAt)}</td>
              <td data-label="Last used">{credential.lastUsedAt === null ? 'never' : formatTime(credential.lastUsedAt)}</td>
              <td>
                <Revoke
                  name={credential.name}
                  confirming={confirming === credential.name}
                  busy={revoke.isPending}
                  onAsk={() => setConfirming(credential.name)}
                  onRevoke={() => revoke.mutate(credential.name)}
                  onKeep={() => setConfirming(undefined)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoke.isError && <Feedback kind="error">Not revoked: {describeError(revoke.error)}</Feedback>}
    </div>
  );
}

/** The Revoke button, and once pressed the question it asks before cutting a machine off. */
function Revoke({ name, confirming, busy, onAsk, onRevoke, onKeep }: { name: string; confirming: boolean; busy: boolean; onAsk: () => void; onRevoke: () => void; onKeep: () => void }) {
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={onAsk} aria-label={`Revoke ${name}`}>
        Revoke
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={`Revoke ${name}?`}>
      <span>Revoke “{name}”? Its connections close at once.</span>
      <button type="button" className="danger" disabled={busy} onClick={onRevoke}>
        {busy ? 'Revoking…' : `Yes, revoke ${name}`}
      </button>
      <button type="button" onClick={onKeep}>
        Keep
      </button>
    </span>
  );
}
