import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiRequestError } from './api/client';
import { App } from './App';
import { takeTokenFromUrl } from './auth/token';
import { LanguageProvider } from './i18n/I18n';
import './styles.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // The live stream pushes every change and refetches on reconnect: no refetch on focus or age.
      staleTime: Infinity,
      refetchOnWindowFocus: false,
      // A refused token or a missing job will not get better by asking again.
      retry: (failures, error) => failures < 2 && !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500),
    },
  },
});

// Before the first render, so the token leaves the address bar at once and only once.
const linkToken = takeTokenFromUrl();
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <LanguageProvider>
        <App linkToken={linkToken} />
      </LanguageProvider>
    </QueryClientProvider>
  </StrictMode>,
);
