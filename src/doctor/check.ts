/** `ok`: nothing to do; `warn`: works, but worth a look; `fail`: something will not work; `skip`: not checked (and why). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One diagnosis: a stable id, a status, one line of explanation, and for warn/fail what to do. */
export interface CheckResult {
  /** Stable, dotted (`master.health`, `codex.version`): scripts and tests key on it. */
  id: string;
  status: CheckStatus;
  /** One line in plain words. Never a secret. */
  summary: string;
  /** More context when it helps (a path, the answer received). */
  detail?: string;
  /** What to do about a warn or fail. */
  hint?: string;
}

/** `csc doctor --json`: `ok` is false when any check failed. */
export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

/** Optional parts of a result. */
export type CheckExtras = Pick<CheckResult, 'detail' | 'hint'>;

function result(id: string, status: CheckStatus, summary: string, extras: CheckExtras = {}): CheckResult {
  const made: CheckResult = { id, status, summary };
  if (extras.detail !== undefined) made.detail = extras.detail;
  if (extras.hint !== undefined) made.hint = extras.hint;
  return made;
}

/** A passed check. */
export const ok = (id: string, summary: string, extras?: CheckExtras): CheckResult => result(id, 'ok', summary, extras);
/** A check that found something to look at; `hint` says what to do. */
export const warn = (id: string, summary: string, hint: string, extras?: Omit<CheckExtras, 'hint'>): CheckResult => result(id, 'warn', summary, { ...extras, hint });
/** A check that found something that will not work; `hint` says what to do. */
export const fail = (id: string, summary: string, hint: string, extras?: Omit<CheckExtras, 'hint'>): CheckResult => result(id, 'fail', summary, { ...extras, hint });
/** A check not run; `summary` says why. */
export const skip = (id: string, summary: string, extras?: CheckExtras): CheckResult => result(id, 'skip', summary, extras);

/** The report of a set of checks, in the order given. */
export function report(checks: CheckResult[]): DoctorReport {
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}
