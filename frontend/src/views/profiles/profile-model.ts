import type { ApprovalPolicy, ReasoningEffort, Sandbox } from '../../api/types.js';
import type { NamedProfile } from '../../api/usage-types.js';
import { parseList } from '../../ui/format.js';

/** The master's rule for profile names, checked here so a typo is caught before the request. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A profile as the form edits it: every field text, empty meaning unset. */
export const EMPTY_FIELDS = {
  name: '',
  description: '',
  model: '',
  sandbox: '',
  approvalPolicy: '',
  reasoningEffort: '',
  approvalTimeoutSec: '',
  repo: '',
  ref: '',
  node: '',
  tags: '',
};
export type ProfileFields = typeof EMPTY_FIELDS;

export function fieldsOf(profile: NamedProfile): ProfileFields {
  return {
    name: profile.name,
    description: profile.description ?? '',
    model: profile.model ?? '',
    sandbox: profile.sandbox ?? '',
    approvalPolicy: profile.approvalPolicy ?? '',
    reasoningEffort: profile.reasoningEffort ?? '',
    approvalTimeoutSec: profile.approvalTimeoutSec === undefined ? '' : String(profile.approvalTimeoutSec),
    repo: profile.repo ?? '',
    ref: profile.ref ?? '',
    node: profile.node ?? '',
    tags: (profile.tags ?? []).join(', '),
  };
}

/** The `PUT /api/profiles/:name` body: only what is filled in (a replace, so what is left out is unset). */
export function profileOf(fields: ProfileFields): Omit<NamedProfile, 'name' | 'source'> {
  const trimmed = (value: string): string | undefined => value.trim() || undefined;
  const tags = parseList(fields.tags);
  const timeout = Number(fields.approvalTimeoutSec);
  const body: Omit<NamedProfile, 'name' | 'source'> = {
    description: trimmed(fields.description),
    model: trimmed(fields.model),
    sandbox: (fields.sandbox || undefined) as Sandbox | undefined,
    approvalPolicy: (fields.approvalPolicy || undefined) as ApprovalPolicy | undefined,
    reasoningEffort: (fields.reasoningEffort || undefined) as ReasoningEffort | undefined,
    approvalTimeoutSec: fields.approvalTimeoutSec.trim() === '' || !Number.isFinite(timeout) ? undefined : timeout,
    repo: trimmed(fields.repo),
    ref: trimmed(fields.ref),
    node: trimmed(fields.node),
    tags: tags.length > 0 ? tags : undefined,
  };
  // JSON would drop the undefined keys anyway; leaving them out keeps the body what it says.
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}
