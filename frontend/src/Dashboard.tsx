import { useEffect, useRef } from 'react';
import { Header } from './Header';
import { LiveEvents } from './live/LiveEvents';
import { Link, useRoute, type Route } from './route';
import { Empty } from './ui/states';
import { JobsView } from './views/jobs/JobsView';
import { CredentialsView } from './views/credentials/CredentialsView';
import { OverviewView } from './views/OverviewView';
import { RemoteNodesView } from './views/RemoteNodesView';
import { SettingsView } from './views/settings/SettingsView';

const NAV: { to: string; label: string; view: Route['view'] }[] = [
  { to: '/', label: 'Nodes', view: 'overview' },
  { to: '/jobs', label: 'Jobs', view: 'jobs' },
  { to: '/settings', label: 'Bridge settings', view: 'settings' },
  { to: '/remote-nodes', label: 'Remote nodes', view: 'remote-nodes' },
  { to: '/credentials', label: 'Credentials', view: 'credentials' },
];

const TITLES: Record<Route['view'], string> = {
  overview: 'Nodes',
  jobs: 'Jobs',
  settings: 'Bridge settings',
  'remote-nodes': 'Remote nodes',
  credentials: 'Credentials',
  'not-found': 'Not found',
};

export function Dashboard({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${TITLES[route.view]} · Codex Super Client`;
    // After an in-app navigation, move focus to the new page as a full page load would.
    if (firstRender.current) firstRender.current = false;
    else if (route.view !== 'jobs') main.current?.focus();
  }, [route.view]);

  return (
    <LiveEvents>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header onSignOut={onSignOut} />
      <nav className="nav" aria-label="Sections">
        {NAV.map((item) => (
          <Link key={item.to} to={item.to} aria-current={route.view === item.view ? 'page' : undefined}>
            {item.label}
          </Link>
        ))}
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <View route={route} />
      </main>
    </LiveEvents>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'jobs':
      return <JobsView jobId={route.jobId} />;
    case 'settings':
      return <SettingsView />;
    case 'remote-nodes':
      return <RemoteNodesView />;
    case 'credentials':
      return <CredentialsView />;
    case 'not-found':
      return (
        <Empty>
          There is no page here. <Link to="/">Go to the nodes</Link>.
        </Empty>
      );
  }
}
