import type { BackstageCredentials } from '@backstage/backend-plugin-api';

/**
 * Whom a per-user cap counts a request against: the user entity ref, a service's subject, or
 * `anonymous` (all unauthenticated callers share one allowance).
 */
export function principalKey(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? 'anonymous';
}
