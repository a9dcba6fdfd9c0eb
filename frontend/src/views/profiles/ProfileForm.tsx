import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../../api/client';
import { REASONING_EFFORTS } from '../../api/types';
import type { NamedProfile } from '../../api/usage-types';
import { useT } from '../../i18n/I18n';
import { Feedback } from '../../ui/states';
import { EMPTY_FIELDS, PROFILE_NAME, fieldsOf, profileOf, type ProfileFields } from './profile-model';

const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
const APPROVALS = ['never', 'on-request', 'untrusted'] as const;

type Props = { editing: NamedProfile | undefined; taken: ReadonlySet<string>; onDone: () => Promise<void>; onCancel: () => void };

/** Creates a profile, or replaces the one being edited (its name is then fixed). */
export function ProfileForm({ editing, taken, onDone, onCancel }: Props) {
  const t = useT().profiles;
  const [fields, setFields] = useState<ProfileFields>(() => (editing ? fieldsOf(editing) : EMPTY_FIELDS));
  const [invalid, setInvalid] = useState<string>();
  const save = useMutation({
    mutationFn: (values: ProfileFields) => api<NamedProfile>(`/profiles/${encodeURIComponent(values.name.trim())}`, { method: 'PUT', body: profileOf(values) }),
    onSuccess: async () => {
      setFields(EMPTY_FIELDS);
      await onDone();
    },
  });
  const field = (name: keyof ProfileFields) => ({ id: `profile-${name}`, value: fields[name], onChange: (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value }) });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const name = fields.name.trim();
    const problem = !PROFILE_NAME.test(name) ? t.badName : taken.has(name) ? t.fileName(name) : undefined;
    setInvalid(problem);
    if (problem === undefined) save.mutate(fields);
  };
  const error = invalid ?? (save.isError ? t.notSaved(describeError(save.error)) : undefined);

  return (
    <form className="profile-form" onSubmit={submit} aria-labelledby="profile-form-title" noValidate>
      <h2 id="profile-form-title">{editing ? t.editTitle(editing.name) : t.newTitle}</h2>
      <div className="field-grid">
        <div className="field">
          <label htmlFor="profile-name">{t.name}</label>
          <input type="text" required maxLength={64} spellCheck={false} disabled={editing !== undefined} aria-describedby="profile-name-hint" {...field('name')} />
          <span id="profile-name-hint" className="hint">
            {t.nameHint}
          </span>
        </div>
        <TextInput label={t.description} {...field('description')} />
        <TextInput label={t.model} {...field('model')} />
        <Choice label={t.sandbox} options={SANDBOXES} unset={t.unset} {...field('sandbox')} />
        <Choice label={t.approval} options={APPROVALS} unset={t.unset} {...field('approvalPolicy')} />
        <Choice label={t.reasoning} options={REASONING_EFFORTS} unset={t.unset} {...field('reasoningEffort')} />
        <TextInput label={t.approvalTimeout} inputMode="numeric" {...field('approvalTimeoutSec')} />
        <TextInput label={t.repo} placeholder="owner/name" {...field('repo')} />
        <TextInput label={t.ref} {...field('ref')} />
        <TextInput label={t.node} {...field('node')} />
        <TextInput label={t.tags} {...field('tags')} />
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t.saving : t.save}
        </button>
        {editing && (
          <button type="button" onClick={onCancel}>
            {t.cancelEdit}
          </button>
        )}
      </div>
      {error !== undefined && <Feedback kind="error">{error}</Feedback>}
      {save.isSuccess && <Feedback kind="ok">{t.saved(save.variables.name.trim())}</Feedback>}
    </form>
  );
}

type InputProps = { id: string; label: string; value: string; onChange: (e: { target: { value: string } }) => void; placeholder?: string; inputMode?: 'numeric' };

function TextInput({ id, label, ...input }: InputProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" spellCheck={false} {...input} />
    </div>
  );
}

function Choice({ id, label, options, unset, value, onChange }: InputProps & { options: readonly string[]; unset: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={onChange}>
        <option value="">{unset}</option>
        {options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </div>
  );
}
