import { useState, type FormEvent } from 'react';
import { openSession } from './session';

export interface Message {
  kind: 'ok' | 'error';
  text: string;
}

export function Login({ message, onSignedIn }: { message: Message | undefined; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [notice, setNotice] = useState(message);
  const setError = (text: string): void => setNotice({ kind: 'error', text });
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Enter the admin token.');
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
          Open the login link the master printed when it started, or paste the admin token (the file <code>admin-token</code> in the
          master's data directory, or <code>MASTER_ADMIN_TOKEN</code>).
        </p>
        <label htmlFor="admin-token">Admin token</label>
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
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="hint">The token is kept in this tab only, until you sign out or close it.</p>
      </form>
    </main>
  );
}
