import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiRequestError, api, describeError } from '../../api/client';
import type { CredentialRole, NewCredential } from '../../api/types';
import { text } from '../../i18n/active';
import { useT } from '../../i18n/I18n';
import { Feedback } from '../../ui/states';

/** The master's rule for credential names, checked here too so a typo is caught before the request. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const ROLES: readonly CredentialRole[] = ['node', 'bridge'];

/** Why a create failed, in words for the person who typed the name. */
function refusal(error: unknown, name: string): string {
  if (error instanceof ApiRequestError && error.status === 409) return text().credentials.exists(name);
  return describeError(error);
}

/** Creates a node or bridge credential; `onCreated` gets the answer, token included. */
export function NewCredentialForm({ onCreated }: { onCreated: (credential: NewCredential) => Promise<void> }) {
  const [role, setRole] = useState<CredentialRole>('node');
  const t = useT().credentials;
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const create = useMutation({
    mutationFn: (body: { role: CredentialRole; name: string }) => api<NewCredential>('/tokens', { method: 'POST', body }),
    onSuccess: async (credential) => {
      setName('');
      await onCreated(credential);
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const wanted = name.trim();
    const problem = NAME.test(wanted) ? undefined : t.badName;
    setInvalid(problem);
    if (problem === undefined) create.mutate({ role, name: wanted });
  };
  const error = invalid ?? (create.isError ? refusal(create.error, create.variables.name) : undefined);

  return (
    <form className="inline-form" onSubmit={submit} aria-label={t.create} noValidate>
      <div className="field">
        <label htmlFor="credential-role">{t.role}</label>
        <select id="credential-role" value={role} onChange={(e) => setRole(e.target.value as CredentialRole)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t.roles[r]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="credential-name">{t.name}</label>
        <input id="credential-name" type="text" required maxLength={64} placeholder="laptop" spellCheck={false} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={error !== undefined} />
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? t.creating : t.createButton}
      </button>
      {error !== undefined && <Feedback kind="error">{t.notCreated(error)}</Feedback>}
    </form>
  );
}
