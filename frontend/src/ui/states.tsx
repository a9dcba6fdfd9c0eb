import type { ReactNode } from 'react';
import { describeError } from '../api/client';
import { useT } from '../i18n/I18n';

/** The loading / error / empty states every data view shows, the same way everywhere. */
export function Loading({ what }: { what: string }) {
  const t = useT().states;
  return (
    <p className="state" role="status">
      <span className="spinner" aria-hidden="true" /> {t.loading(what)}
    </p>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const t = useT().states;
  return (
    <div className="state state-error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          {t.tryAgain}
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
