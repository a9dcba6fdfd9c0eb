import type { ReactNode } from 'react';
import { describeError } from '../api/client';

/** The loading / error / empty states every data view shows, the same way everywhere. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** The result of a form submission, announced to screen readers. */
export function Feedback({ kind, children }: { kind: 'ok' | 'error'; children: ReactNode }) {
  return (
    <p className={`feedback feedback-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}
