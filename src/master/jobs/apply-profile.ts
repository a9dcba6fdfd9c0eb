import { parseRepoSpec, repoKey, type JobProfile, type NamedProfile } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { JobRequest } from './types.js';

/** The fields of a named profile that go into a job's `profile`. */
const PROFILE_FIELDS = ['model', 'sandbox', 'approvalPolicy', 'reasoningEffort', 'approvalTimeoutSec'] as const;

/**
 * A request with a named profile filling what it leaves unset: Codex's settings, the repository
 * and ref, and where it runs. A follow-up keeps its thread's node (a Codex thread lives in one
 * node's CODEX_HOME), so there the profile's node and tags do not apply.
 */
export function withProfile(request: JobRequest, profile: NamedProfile, allowLocalRepos: boolean): JobRequest {
  const merged: JobProfile = { ...request.profile };
  for (const field of PROFILE_FIELDS) if (merged[field] === undefined && profile[field] !== undefined) Object.assign(merged, { [field]: profile[field] });
  const next: JobRequest = { ...request, profile: merged, profileName: profile.name };
  if (next.repo === undefined && profile.repo !== undefined) {
    const parsed = parseRepoSpec(profile.repo, { allowLocal: allowLocalRepos });
    if ('error' in parsed) throw new CodedError('bad_request', `profile "${profile.name}": ${parsed.error}`);
    next.repo = repoKey(parsed);
    if (next.ref === undefined && profile.ref !== undefined) next.ref = profile.ref;
  }
  if (request.continueFrom === undefined) {
    if (next.node === undefined && profile.node !== undefined) next.node = profile.node;
    if (next.tags === undefined && profile.tags !== undefined) next.tags = profile.tags;
  }
  return next;
}
