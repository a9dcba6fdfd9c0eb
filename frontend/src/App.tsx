import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { setUnauthorizedHandler } from './api/client';
import { Login, checkToken, type Message } from './auth/Login';
import { clearToken, readToken, storeToken } from './auth/token';
import { Dashboard } from './Dashboard';

type Session = { state: 'checking' } | { state: 'signed-out'; message?: Message } | { state: 'signed-in' };

function initialSession(linkToken: string | undefined): Session {
  if (linkToken !== undefined) return { state: 'checking' };
  return readToken() === undefined ? { state: 'signed-out' } : { state: 'signed-in' };
}

/**
 * Signs in (with the login link's token, the one stored for this tab, or the form), then shows
 * the dashboard. A stored token is trusted until the master refuses it.
 */
export function App({ linkToken }: { linkToken: string | undefined }) {
  const client = useQueryClient();
  const [session, setSession] = useState<Session>(() => initialSession(linkToken));

  useEffect(() => {
    if (linkToken === undefined) return;
    void checkToken(linkToken).then((refusal) => {
      if (refusal === undefined) {
        storeToken(linkToken);
        setSession({ state: 'signed-in' });
      } else {
        clearToken();
        setSession({ state: 'signed-out', message: { kind: 'error', text: `The login link's token was refused. ${refusal}` } });
      }
    });
  }, [linkToken]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearToken();
      client.clear();
      setSession({ state: 'signed-out', message: { kind: 'error', text: 'The master no longer accepts the stored token. Sign in again.' } });
    });
  }, [client]);

  if (session.state === 'checking') {
    return (
      <p className="state" role="status">
        Signing in…
      </p>
    );
  }
  if (session.state === 'signed-out') {
    return (
      <Login
        message={session.message}
        onSignedIn={(token) => {
          storeToken(token);
          setSession({ state: 'signed-in' });
        }}
      />
    );
  }
  return (
    <Dashboard
      onSignOut={() => {
        clearToken();
        client.clear();
        setSession({ state: 'signed-out', message: { kind: 'ok', text: 'Signed out.' } });
      }}
    />
  );
}
