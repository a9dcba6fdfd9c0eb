import { useState, type FormEvent } from 'react';
import { useT } from '../i18n/I18n';
import { openSession } from './session';

export interface Message {
  kind: 'ok' | 'error';
  text: string;
}

export function Login({ message, onSignedIn }: { message: Message | undefined; onSignedIn: (token: string) => void }) {
  const t = useT().login;
  const [token, setToken] = useState('');
  const [notice, setNotice] = useState(message);
  const setError = (text: string): void => setNotice({ kind: 'error', text });
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError(t.empty);
      return;
    }
    setBusy(true);
    const check = await openSession(value);
    setBusy(false);
    if (check.ok) onSignedIn(value);
    else setError(check.message);
  };

  return (
    <main className="login">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Codex Super Client</h1>
        <p>
          {t.before}
          <code>admin-token</code>
          {t.between}
          <code>MASTER_ADMIN_TOKEN</code>
          {t.after}
        </p>
        <label htmlFor="admin-token">{t.label}</label>
        <input
          id="admin-token"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={notice?.kind === 'error'}
          aria-describedby={notice === undefined ? undefined : 'login-notice'}
          // The only field on the page: start typing at once.
          autoFocus
        />
        {notice !== undefined && (
          <p id="login-notice" className={`feedback feedback-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t.checking : t.signIn}
        </button>
        <p className="hint">{t.kept}</p>
      </form>
    </main>
  );
}
