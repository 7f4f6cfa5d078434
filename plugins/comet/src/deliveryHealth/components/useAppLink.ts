import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import { useCallback } from 'react';

/**
 * The backend writes links to the portal's own pages as absolute URLs (`app.baseUrl`); those
 * become in-app paths so they open in the same tab without reloading the app. Links elsewhere
 * (SonarQube, GitHub) and the backend's own addresses under `/api/` are kept as they are.
 */
export function useAppLink(): (link: string) => string {
  const configApi = useApi(configApiRef);
  const appBaseUrl = configApi.getOptionalString('app.baseUrl');
  return useCallback(
    (link: string) => {
      if (!appBaseUrl) return link;
      try {
        const url = new URL(link);
        if (url.origin !== new URL(appBaseUrl).origin) return link;
        // The backend's own addresses (e.g. the demo's fakes at /api/fakes/…) are no app page
        if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
          return link;
        }
        return `${url.pathname}${url.search}${url.hash}`;
      } catch {
        return link;
      }
    },
    [appBaseUrl],
  );
}
