import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import type { testRecorderSuiteRunPermission } from '@internal/plugin-test-recorder-common';
import { useEffect, useState } from 'react';
import { testRecorderApiRef } from './api';

/**
 * Whether the signed-in user holds `permission` on the entity. Until the answer is in, the
 * control stays disabled (the backend refuses anyway).
 */
export function useAllowed(
  permission: typeof testRecorderSuiteRunPermission,
  entityRef: string | undefined,
): boolean {
  const { allowed } = usePermission({
    permission,
    resourceRef: entityRef,
  });
  return Boolean(entityRef) && allowed;
}

/**
 * A signed URL of an artifact for `<img>` and `<video>`, read again when the artifact changes.
 */
export function useArtifactUrl(artifactId: string | undefined): {
  url?: string;
  error?: Error;
} {
  const api = useApi(testRecorderApiRef);
  const [state, setState] = useState<{ url?: string; error?: Error }>({});
  useEffect(() => {
    if (!artifactId) {
      setState({});
      return undefined;
    }
    let gone = false;
    setState({});
    api.getArtifactUrl(artifactId).then(
      url => {
        if (!gone) setState({ url });
      },
      error => {
        if (!gone) setState({ error });
      },
    );
    return () => {
      gone = true;
    };
  }, [api, artifactId]);
  return state;
}
