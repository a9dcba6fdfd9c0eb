import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { setUnauthorizedHandler } from './api/client';
import { Login, type Message } from './auth/Login';
import { closeSession, openSession, type SessionCheck } from './auth/session';
import { clearToken, readToken, storeToken, takeTokenFromUrl } from './auth/token';
import { Dashboard } from './Dashboard';
import { text } from './i18n/active';
import { useT } from './i18n/I18n';

type Session = { state: 'checking' } | { state: 'signed-out'; message?: Message } | { state: 'signed-in' };

/**
 * Where a start token leads. A refused one is forgotten. The login link's must be accepted; the one
 * this tab stored survives a master that does not answer yet (its streams renew the session when it does).
 */
function afterCheck(check: SessionCheck, token: string, fromLink: boolean): Session {
  if (check.ok || (!fromLink && !check.refused)) {
    storeToken(token);
    return { state: 'signed-in' };
  }
  clearToken();
  const t = text().app;
  const message = !fromLink ? t.storedRefused : check.refused ? t.linkRefused : t.linkFailed(check.message);
  return { state: 'signed-out', message: { kind: 'error', text: message } };
}

/**
 * Signs in (with the login link's token, the one stored for this tab, or the form), then shows the
 * dashboard. Each start checks the token with `POST /api/session`, which also sets the cookie the
 * event streams need, before any stream opens.
 */
export function App({ linkToken }: { linkToken: string | undefined }) {
  const client = useQueryClient();
  const t = useT().app;
  // An object, so that opening the same link again checks it again.
  const [link, setLink] = useState(linkToken === undefined ? undefined : { token: linkToken });
  const [session, setSession] = useState<Session>(() => ((linkToken ?? readToken()) === undefined ? { state: 'signed-out' } : { state: 'checking' }));

  useEffect(() => {
    const token = link?.token ?? readToken();
    if (token === undefined) return;
    void openSession(token).then((check) => setSession(afterCheck(check, token, link !== undefined)));
  }, [link]);

  useEffect(() => {
    // The login link opened in a tab already on the dashboard changes only the fragment: no page load.
    const onHashChange = (): void => {
      const token = takeTokenFromUrl();
      if (token === undefined) return;
      setSession({ state: 'checking' });
      setLink({ token });
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearToken();
      client.clear();
      setSession({ state: 'signed-out', message: { kind: 'error', text: text().app.storedRefused } });
    });
  }, [client]);

  const signOut = (): void => {
    const token = readToken();
    clearToken();
    client.clear();
    setSession({ state: 'signed-out', message: { kind: 'ok', text: t.signedOut } });
    if (token !== undefined) void closeSession(token);
  };

  if (session.state === 'checking') {
    return (
      <p className="state" role="status">
        {t.signingIn}
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
  return <Dashboard onSignOut={signOut} />;
}
