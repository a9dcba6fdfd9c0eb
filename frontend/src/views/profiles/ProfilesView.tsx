import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../../api/client';
import { keys, useProfiles } from '../../api/queries';
import type { NamedProfile } from '../../api/usage-types';
import type { Catalog } from '../../i18n/en/index.js';
import { useT } from '../../i18n/I18n';
import { formatSpan } from '../../ui/format';
import { Empty, ErrorState, Feedback, Loading } from '../../ui/states';
import { ProfileForm } from './ProfileForm';

/** Named profiles: the list, a form that creates or replaces one, delete. File profiles are read-only. */
export function ProfilesView() {
  const t = useT().profiles;
  const list = useProfiles();
  const client = useQueryClient();
  // The profile being edited; undefined: the form makes a new one.
  const [editing, setEditing] = useState<NamedProfile>();
  const refresh = () => client.invalidateQueries({ queryKey: keys.profiles });
  const remove = useMutation({
    mutationFn: (name: string) => api<undefined>(`/profiles/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    onSuccess: (_, name) => {
      if (editing?.name === name) setEditing(undefined);
    },
    onSettled: refresh,
  });
  const profiles = list.data ?? [];

  return (
    <section className="card" aria-labelledby="profiles-title">
      <h1 id="profiles-title">{t.title}</h1>
      <p className="lead">{t.lead}</p>
      {list.isPending ? (
        <Loading what={t.what} />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : profiles.length === 0 ? (
        <Empty>{t.none}</Empty>
      ) : (
        <ProfileTable profiles={profiles} busy={remove.isPending} onEdit={setEditing} onDelete={(name) => remove.mutate(name)} />
      )}
      {profiles.some((p) => p.source === 'file') && <p className="note">{t.fileNote}</p>}
      {remove.isSuccess && <Feedback kind="ok">{t.deleted(remove.variables)}</Feedback>}
      {remove.isError && <Feedback kind="error">{t.notDeleted(describeError(remove.error))}</Feedback>}
      <ProfileForm
        key={editing?.name ?? ''}
        editing={editing}
        taken={new Set(profiles.filter((p) => p.source === 'file').map((p) => p.name))}
        onDone={async () => {
          setEditing(undefined);
          await refresh();
        }}
        onCancel={() => setEditing(undefined)}
      />
    </section>
  );
}

type TableProps = { profiles: NamedProfile[]; busy: boolean; onEdit: (profile: NamedProfile) => void; onDelete: (name: string) => void };

function ProfileTable({ profiles, busy, onEdit, onDelete }: TableProps) {
  const t = useT().profiles;
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid="profiles-table">
        <thead>
          <tr>
            <th scope="col">{t.name}</th>
            <th scope="col">{t.settings}</th>
            <th scope="col">{t.target}</th>
            <th scope="col">{t.source}</th>
            <th scope="col">
              <span className="visually-hidden">{t.actions}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {profiles.map((profile) => (
            <tr key={profile.name} data-profile={profile.name}>
              <th scope="row">
                {profile.name}
                {profile.description && <span className="sub">{profile.description}</span>}
              </th>
              <td data-label={t.settings}>{settingsText(profile, t)}</td>
              <td data-label={t.target}>{targetText(profile, t)}</td>
              <td data-label={t.source}>{profile.source === 'file' ? t.fromFile : t.fromApi}</td>
              <td>
                {profile.source === 'file' ? (
                  <span className="muted">{t.readOnly}</span>
                ) : (
                  <span className="inline-list">
                    <button type="button" onClick={() => onEdit(profile)} aria-label={t.editNamed(profile.name)}>
                      {t.edit}
                    </button>
                    <button type="button" className="danger" disabled={busy} onClick={() => onDelete(profile.name)} aria-label={t.deleteNamed(profile.name)}>
                      {t.delete}
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function settingsText(profile: NamedProfile, t: Catalog['profiles']): string {
  const { model, sandbox, approvalPolicy, reasoningEffort, approvalTimeoutSec } = profile;
  const parts = [model, sandbox, approvalPolicy, reasoningEffort && t.effort(reasoningEffort), approvalTimeoutSec && t.timeout(formatSpan(approvalTimeoutSec))];
  return parts.filter(Boolean).join(' · ') || t.defaults;
}

function targetText(profile: NamedProfile, t: Catalog['profiles']): string {
  const repo = profile.repo && `${profile.repo}${profile.ref ? ` @ ${profile.ref}` : ''}`;
  const parts = [repo, profile.node && t.onNode(profile.node), profile.tags?.length ? t.tagged(profile.tags.join(', ')) : undefined];
  return parts.filter(Boolean).join(' · ') || t.anywhere;
}
