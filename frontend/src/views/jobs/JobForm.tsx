import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../../api/client';
import { applyJob, useNodes } from '../../api/queries';
import type { ApprovalPolicy, Job, NewJob, PublishMode, Sandbox } from '../../api/types';
import { navigate } from '../../route';
import { Feedback } from '../../ui/states';

const SANDBOXES: Sandbox[] = ['read-only', 'workspace-write', 'danger-full-access'];
const APPROVALS: ApprovalPolicy[] = ['never', 'on-request', 'untrusted'];

const EMPTY = { prompt: '', node: '', repo: '', ref: '', model: '', sandbox: '', approvalPolicy: '', publish: '' };
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
    ...(fields.node ? { node: fields.node } : {}),
    ...(fields.repo.trim() ? { repo: fields.repo.trim() } : {}),
    ...(fields.ref.trim() ? { ref: fields.ref.trim() } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
  };
}

export function JobForm() {
  const client = useQueryClient();
  const nodes = useNodes();
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
      <h2 id="new-job-title">New job</h2>
      <form onSubmit={submit} className="job-form">
        <div className="field">
          <label htmlFor="job-prompt">Prompt</label>
          <textarea id="job-prompt" rows={4} required value={fields.prompt} onChange={set('prompt')} />
        </div>
        <div className="field-grid">
          <div className="field">
            <label htmlFor="job-node">Node</label>
            <select id="job-node" value={fields.node} onChange={set('node')}>
              <option value="">Any node</option>
              {/* Keep a chosen node listed after it left, so the choice does not silently become "any". */}
              {fields.node && !names.includes(fields.node) && <option value={fields.node}>{fields.node} (not connected)</option>}
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="job-repo">GitHub repository</label>
            <input id="job-repo" type="text" placeholder="owner/name" spellCheck={false} value={fields.repo} onChange={set('repo')} aria-describedby="job-repo-hint" />
            <span id="job-repo-hint" className="hint">
              Empty: the node's working directory
            </span>
          </div>
          <div className="field">
            <label htmlFor="job-ref">Ref</label>
            <input id="job-ref" type="text" placeholder="default branch" spellCheck={false} value={fields.ref} onChange={set('ref')} />
          </div>
          <div className="field">
            <label htmlFor="job-model">Model</label>
            <input id="job-model" type="text" placeholder="node default" spellCheck={false} value={fields.model} onChange={set('model')} />
          </div>
          <DefaultableSelect id="job-sandbox" label="Sandbox" options={SANDBOXES} value={fields.sandbox} onChange={set('sandbox')} />
          <DefaultableSelect id="job-approval" label="Approval policy" options={APPROVALS} value={fields.approvalPolicy} onChange={set('approvalPolicy')} />
          <div className="field">
            <label htmlFor="job-publish">Publish</label>
            <select id="job-publish" value={fields.repo.trim() ? fields.publish : ''} onChange={set('publish')} disabled={!fields.repo.trim()} aria-describedby="job-publish-hint">
              <option value="">None</option>
              <option value="branch">Push the branch</option>
              <option value="pr">Open a pull request</option>
            </select>
            <span id="job-publish-hint" className="hint">
              {fields.repo.trim() ? 'With the node’s GitHub credential' : 'Needs a repository'}
            </span>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Queueing…' : 'Run job'}
          </button>
        </div>
        {create.isError && <Feedback kind="error">Not created: {describeError(create.error)}</Feedback>}
      </form>
    </section>
  );
}

/** A choice where leaving it empty means "whatever the node is configured with". */
function DefaultableSelect(props: { id: string; label: string; options: readonly string[]; value: string; onChange: (e: { target: { value: string } }) => void }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={props.onChange}>
        <option value="">Node default</option>
        {props.options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </div>
  );
}
