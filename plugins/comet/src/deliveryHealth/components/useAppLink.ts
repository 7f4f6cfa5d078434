import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import { useCallback } from 'react';

/**
 * The backend writes links to the portal's own pages as absolute URLs (`app.baseUrl`); those
 * become in-app paths so they open in the same tab without reloading the app. Links elsewhere
 * (SonarQube, GitHub) are kept as they are.
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
        return `${url.pathname}${url.search}${url.hash}`;
      } catch {
        return link;
      }
    },
    [appBaseUrl],
  );
}
