import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import type {
  ResourceScopes,
  ScopedResource,
  ScopeFamily,
} from './ResourceScopes';

/**
 * Which resources a list action may show the caller: only a signed-in user may list (the
 * names come from Comet's own account, not the user's), and while `comet.resourceScopes` is
 * configured only what the scopes of one of the caller's groups allow, so a team sees the
 * names its entities may use. Not tied to an entity: the caller's groups decide.
 */
export async function callerResourceFilter(options: {
  credentials: BackstageCredentials;
  /** What is listed, for the refusal, e.g. `Listing Jenkins jobs` or `Listing Jira projects`. */
  what: string;
  family: ScopeFamily;
  scopes?: ResourceScopes;
  userInfo?: UserInfoService;
}): Promise<(resource: ScopedResource) => boolean> {
  const { credentials, what, family, scopes, userInfo } = options;
  if ((credentials.principal as { type?: string }).type !== 'user') {
    throw new NotAllowedError(
      `${what} is for signed-in users: the list comes from Comet's ${family.id} account and is narrowed by the user's groups (comet.resourceScopes)`,
    );
  }
  if (!scopes?.enforced) return () => true;
  if (!userInfo) {
    throw new NotAllowedError(
      `${what} needs the caller's groups while comet.resourceScopes is set, and this backend cannot read them`,
    );
  }
  const { ownershipEntityRefs } = await userInfo.getUserInfo(credentials);
  return resource =>
    scopes.refusalForGroups(ownershipEntityRefs, family, resource) ===
    undefined;
}
