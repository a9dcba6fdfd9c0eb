import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../../api/client';
import { applyJob, useNodes, useProfiles } from '../../api/queries';
import type { ApprovalPolicy, Job, NewJob, PublishMode, Sandbox } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { navigate } from '../../route';
import { Feedback } from '../../ui/states';

const SANDBOXES: Sandbox[] = ['read-only', 'workspace-write', 'danger-full-access'];
const APPROVALS: ApprovalPolicy[] = ['never', 'on-request', 'untrusted'];

const EMPTY = { prompt: '', profileName: '', mode: 'single', node: '', repo: '', ref: '', model: '', sandbox: '', approvalPolicy: '', publish: '' };
type Fields = typeof EMPTY;

/** Only what was filled in: the master applies its and the node's defaults to the rest. */
function requestOf(fields: Fields): NewJob {
  const profile = {
    ...(fields.model.trim() ? { model: fields.model.trim() } : {}),
    ...(fields.sandbox ? { sandbox: fields.sandbox as Sandbox } : {}),
    ...(fields.approvalPolicy ? { approvalPolicy: fields.approvalPolicy as ApprovalPolicy } : {}),
    // Only a job on a repository has a branch to publish.
    ...(fields.publish && fields.repo.trim() ? { publish: fields.publish as PublishMode } : {}),
  };
  return {
    prompt: fields.prompt.trim(),
    origin: 'dashboard',
    ...(fields.profileName ? { profileName: fields.profileName } : {}),
    // Single is what the master does without a mode: said only when it is the pipeline.
    ...(fields.mode === 'multi' ? { mode: fields.mode } : {}),
    ...(fields.node ? { node: fields.node } : {}),
    ...(fields.repo.trim() ? { repo: fields.repo.trim() } : {}),
    ...(fields.ref.trim() ? { ref: fields.ref.trim() } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
  };
}

export function JobForm() {
  const client = useQueryClient();
  const nodes = useNodes();
  const profiles = useProfiles();
  const t = useT().jobForm;
  const [fields, setFields] = useState(EMPTY);
  const create = useMutation({
    mutationFn: (request: NewJob) => api<Job>('/jobs', { method: 'POST', body: request }),
    onSuccess: (job) => {
      applyJob(client, job);
      // Keep target and profile: the next job usually goes to the same place.
      setFields((current) => ({ ...current, prompt: '' }));
      navigate(`/jobs/${job.id}`);
    },
  });
  const names = [...new Set((nodes.data ?? []).map((n) => n.name))].sort();
  const set = (name: keyof Fields) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (fields.prompt.trim() !== '') create.mutate(requestOf(fields));
  };

  return (
    <section className="card" aria-labelledby="new-job-title">
      <h2 id="new-job-title">{t.title}</h2>
      <form onSubmit={submit} className="job-form">
        <div className="field">
          <label htmlFor="job-prompt">{t.prompt}</label>
          <textarea id="job-prompt" rows={4} required value={fields.prompt} onChange={set('prompt')} />
        </div>
        <div className="field-grid">
          <div className="field">
            <label htmlFor="job-profile">{t.profile}</label>
            <select id="job-profile" value={fields.profileName} onChange={set('profileName')} aria-describedby="job-profile-hint">
              <option value="">{t.noProfile}</option>
              {(profiles.data ?? []).map((profile) => (
                <option key={profile.name} value={profile.name}>
                  {profile.name}
                </option>
              ))}
            </select>
            <span id="job-profile-hint" className="hint">
              {t.profileHint}
            </span>
          </div>
          <div className="field">
            <label htmlFor="job-mode">{t.mode}</label>
            <select id="job-mode" value={fields.mode} onChange={set('mode')}>
              <option value="single">{t.single}</option>
              <option value="multi">{t.multi}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="job-node">{t.node}</label>
            <select id="job-node" value={fields.node} onChange={set('node')}>
              <option value="">{t.anyNode}</option>
              {/* Keep a chosen node listed after it left, so the choice does not silently become "any". */}
              {fields.node && !names.includes(fields.node) && <option value={fields.node}>{t.notConnected(fields.node)}</option>}
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="job-repo">{t.repo}</label>
            <input id="job-repo" type="text" placeholder="owner/name" spellCheck={false} value={fields.repo} onChange={set('repo')} aria-describedby="job-repo-hint" />
            <span id="job-repo-hint" className="hint">
              {t.repoHint}
            </span>
          </div>
          <div className="field">
            <label htmlFor="job-ref">{t.ref}</label>
            <input id="job-ref" type="text" placeholder={t.refPlaceholder} spellCheck={false} value={fields.ref} onChange={set('ref')} />
          </div>
          <div className="field">
            <label htmlFor="job-model">{t.model}</label>
            <input id="job-model" type="text" placeholder={t.modelPlaceholder} spellCheck={false} value={fields.model} onChange={set('model')} />
          </div>
          <DefaultableSelect id="job-sandbox" label={t.sandbox} options={SANDBOXES} value={fields.sandbox} onChange={set('sandbox')} />
          <DefaultableSelect id="job-approval" label={t.approval} options={APPROVALS} value={fields.approvalPolicy} onChange={set('approvalPolicy')} />
          <div className="field">
            <label htmlFor="job-publish">{t.publish}</label>
            <select id="job-publish" value={fields.repo.trim() ? fields.publish : ''} onChange={set('publish')} disabled={!fields.repo.trim()} aria-describedby="job-publish-hint">
              <option value="">{t.publishNone}</option>
              <option value="branch">{t.publishBranch}</option>
              <option value="pr">{t.publishPr}</option>
            </select>
            <span id="job-publish-hint" className="hint">
              {fields.repo.trim() ? t.publishHint : t.needsRepo}
            </span>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? t.queueing : t.run}
          </button>
        </div>
        {create.isError && <Feedback kind="error">{t.notCreated(describeError(create.error))}</Feedback>}
      </form>
    </section>
  );
}

/** A choice where leaving it empty means "whatever the node is configured with". */
function DefaultableSelect(props: { id: string; label: string; options: readonly string[]; value: string; onChange: (e: { target: { value: string } }) => void }) {
  const t = useT().jobForm;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={props.onChange}>
        <option value="">{t.nodeDefault}</option>
        {props.options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </div>
  );
}
