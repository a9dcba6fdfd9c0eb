import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../../api/client';
import { keys, useCredentials } from '../../api/queries';
import type { Credential, NewCredential } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatTime } from '../../ui/format';
import { Empty, ErrorState, Feedback, Loading } from '../../ui/states';
import { NewCredentialForm } from './NewCredentialForm';
import { NewToken } from './NewToken';

/** Per-machine credentials for nodes and bridges: create one (its token shown once), see when each was used, revoke. */
export function CredentialsView() {
  const list = useCredentials();
  const t = useT().credentials;
  const client = useQueryClient();
  // Kept here, not in the form: the list refetches under it, and the token must stay until dismissed.
  const [created, setCreated] = useState<NewCredential>();
  const refresh = () => client.invalidateQueries({ queryKey: keys.credentials });

  return (
    <section className="card" aria-labelledby="credentials-title">
      <h1 id="credentials-title">{t.title}</h1>
      <p className="lead">
        {t.leadBefore}
        <code>master-token</code>, <code>bridge-token</code>
        {t.leadAfter}
      </p>
      {created !== undefined && <NewToken credential={created} onDone={() => setCreated(undefined)} />}
      <NewCredentialForm
        onCreated={async (credential) => {
          setCreated(credential);
          await refresh();
        }}
      />
      {list.isPending ? (
        <Loading what={t.what} />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <Empty>{t.none}</Empty>
      ) : (
        <CredentialTable credentials={list.data} onRevoked={refresh} />
      )}
    </section>
  );
}

function CredentialTable({ credentials, onRevoked }: { credentials: Credential[]; onRevoked: () => Promise<void> }) {
  // One row at a time asks "are you sure?": revoking cuts a machine off.
  const [confirming, setConfirming] = useState<string>();
  const t = useT().credentials;
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
            <th scope="col">{t.name}</th>
            <th scope="col">{t.role}</th>
            <th scope="col">{t.created}</th>
            <th scope="col">{t.lastUsed}</th>
            <th scope="col">
              <span className="visually-hidden">{t.actions}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {credentials.map((credential) => (
            <tr key={credential.name} data-credential={credential.name}>
              <th scope="row">{credential.name}</th>
              <td data-label={t.role}>{credential.role}</td>
              <td data-label={t.created}>{formatTime(credential.createdAt)}</td>
              <td data-label={t.lastUsed}>{credential.lastUsedAt === null ? t.never : formatTime(credential.lastUsedAt)}</td>
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
      {revoke.isError && <Feedback kind="error">{t.notRevoked(describeError(revoke.error))}</Feedback>}
    </div>
  );
}

/** The Revoke button, and once pressed the question it asks before cutting a machine off. */
function Revoke({ name, confirming, busy, onAsk, onRevoke, onKeep }: { name: string; confirming: boolean; busy: boolean; onAsk: () => void; onRevoke: () => void; onKeep: () => void }) {
  const t = useT().credentials;
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={onAsk} aria-label={t.revokeNamed(name)}>
        {t.revoke}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={t.revokeAsk(name)}>
      <span>{t.revokeWarning(name)}</span>
      <button type="button" className="danger" disabled={busy} onClick={onRevoke}>
        {busy ? t.revoking : t.revokeYes(name)}
      </button>
      <button type="button" onClick={onKeep}>
        {t.keep}
      </button>
    </span>
  );
}
