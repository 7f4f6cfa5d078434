import { useApi } from '@backstage/frontend-plugin-api';
import { useEffect } from 'react';
import { pipelinesApiRef } from './api/PipelinesApi';
import { prefetchRun, runIdOfPath } from './components/RunPage/prefetch';

/**
 * Rendered at the app's root. When the app starts on a run's page, the run and its first log
 * lines are asked for at once: the requests wait for sign-in and leave the moment it
 * completes, while the app is still drawing its shell, and the run page's first render shows
 * them.
 */
export function RunLinkPrefetch() {
  const api = useApi(pipelinesApiRef);
  useEffect(() => {
    const runId = runIdOfPath(window.location.pathname);
    if (runId) prefetchRun(api, runId);
  }, [api]);
  return null;
}
