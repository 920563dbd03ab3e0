import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api/http';
import { queryKeys } from './api/keys';
import { endSessionLocally } from './api/me';
import { applyTheme } from './features/theme/theme';
import { retryQuery } from './lib/query-retry';
import './styles.css';

applyTheme();

// A 401 anywhere means the session ended (expired, or signed out elsewhere): back to sign-in.
function onError(error: unknown) {
  if (error instanceof ApiError && error.status === 401 && queryClient.getQueryData(queryKeys.me)) endSessionLocally(queryClient);
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: { retry: retryQuery, refetchOnWindowFocus: true },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
