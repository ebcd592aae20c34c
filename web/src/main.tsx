/// <reference lib="dom" />
// The dashboard's entry: strings first (zh-CN unless the analyst chose English), then React with
// TanStack Query for every server read, the router, and antd in zero-runtime mode with its
// prebuilt stylesheet, so no style is injected at run time and the CSP keeps style-src 'self'
// (ADR 0097).
import 'antd/dist/antd.css';
import './app.css';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { ApiError } from './api.ts';
import { Shell } from './app.tsx';
import { initI18n } from './i18n.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a refusal (4xx) will not change by asking again; a 5xx or a dropped connection may
      retry: (failures, error) =>
        failures < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
      staleTime: 15_000,
      refetchOnWindowFocus: false,
    },
  },
});

await initI18n();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Shell />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
