import { useEffect, useRef } from 'react';
import { Header } from './Header';
import type { Catalog } from './i18n/en/index.js';
import { useLanguage } from './i18n/I18n';
import { LiveEvents } from './live/LiveEvents';
import { Link, useRoute, type Route } from './route';
import { Empty } from './ui/states';
import { JobsView } from './views/jobs/JobsView';
import { CredentialsView } from './views/credentials/CredentialsView';
import { OverviewView } from './views/OverviewView';
import { ProfilesView } from './views/profiles/ProfilesView';
import { RemoteNodesView } from './views/RemoteNodesView';
import { SettingsView } from './views/settings/SettingsView';
import { UsageView } from './views/usage/UsageView';

type NavKey = Exclude<keyof Catalog['nav'], 'sections' | 'skip' | 'title' | 'noPage' | 'goHome'>;

const NAV: { to: string; view: Route['view'] }[] = [
  { to: '/', view: 'overview' },
  { to: '/jobs', view: 'jobs' },
  { to: '/profiles', view: 'profiles' },
  { to: '/usage', view: 'usage' },
  { to: '/settings', view: 'settings' },
  { to: '/remote-nodes', view: 'remote-nodes' },
  { to: '/credentials', view: 'credentials' },
];

/** The catalog's name of each page (the title and the navigation say the same). */
const TITLE_KEY: Record<Route['view'], NavKey> = {
  overview: 'overview',
  jobs: 'jobs',
  profiles: 'profiles',
  usage: 'usage',
  settings: 'settings',
  'remote-nodes': 'remoteNodes',
  credentials: 'credentials',
  'not-found': 'notFound',
};

export function Dashboard({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const { language, catalog } = useLanguage();
  const t = catalog.nav;
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = t.title(t[TITLE_KEY[route.view]]);
    // After an in-app navigation, move focus to the new page as a full page load would.
    if (firstRender.current) firstRender.current = false;
    else if (route.view !== 'jobs') main.current?.focus();
  }, [route.view, t]);

  return (
    <LiveEvents>
      <a className="skip-link" href="#main">
        {t.skip}
      </a>
      <Header onSignOut={onSignOut} />
      <nav className="nav" aria-label={t.sections}>
        {NAV.map((item) => (
          <Link key={item.to} to={item.to} aria-current={route.view === item.view ? 'page' : undefined}>
            {t[TITLE_KEY[item.view]]}
          </Link>
        ))}
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {/* Redrawn from scratch in another language: texts made outside rendering (the log's) are made again. */}
        <View key={language} route={route} />
      </main>
    </LiveEvents>
  );
}

function View({ route }: { route: Route }) {
  const t = useLanguage().catalog.nav;
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'jobs':
      return <JobsView jobId={route.jobId} />;
    case 'profiles':
      return <ProfilesView />;
    case 'usage':
      return <UsageView />;
    case 'settings':
      return <SettingsView />;
    case 'remote-nodes':
      return <RemoteNodesView />;
    case 'credentials':
      return <CredentialsView />;
    case 'not-found':
      return (
        <Empty>
          {t.noPage} <Link to="/">{t.goHome}</Link>.
        </Empty>
      );
  }
}
