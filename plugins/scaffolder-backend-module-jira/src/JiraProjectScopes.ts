import type {
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { ResourceScopes } from '@internal/backend-common';
import { jiraSearchJqlPermission } from '@internal/plugin-jira-common';
import {
  jiraScopeFamily,
  type JiraInstanceNames,
} from '@internal/plugin-jira-node';
import { isAllowed } from './jiraActionSupport';

/** A Jira project on a configured instance. */
export type JiraProjectRef = { instance: string; projectKey: string };

/**
 * The Jira projects a task's initiator may change through Comet's Jira account: those within
 * `comet.resourceScopes.<group>.jira` of one of the groups they belong to (their ownership
 * refs, from their sign-in as the permission policy reads them). Without
 * `comet.resourceScopes` every project is (the embedded defaults; production start-up
 * requires it).
 *
 * Administrators are not limited. Who they are is the permission policy's to say, so it is
 * asked for `jira.search.jql`: raw JQL already reaches every project Comet's Jira account
 * sees, and Comet's policy keeps it for `permission.comet.admins`.
 */
export class JiraProjectScopes {
  private constructor(
    private readonly options: {
      scopes: ResourceScopes;
      instances: JiraInstanceNames;
      permissions: PermissionsService;
      userInfo: UserInfoService;
    },
  ) {}

  static create(options: {
    scopes: ResourceScopes;
    instances: JiraInstanceNames;
    permissions: PermissionsService;
    userInfo: UserInfoService;
  }): JiraProjectScopes {
    return new JiraProjectScopes(options);
  }

  /**
   * Why `credentials` may not change `project`, or undefined when they may. Asks nothing
   * while scopes are not configured.
   */
  async refusal(
    credentials: BackstageCredentials,
    project: JiraProjectRef,
  ): Promise<string | undefined> {
    const { scopes, instances, permissions, userInfo } = this.options;
    if (!scopes.enforced) return undefined;
    const [unlimited] = await permissions.authorize(
      [{ permission: jiraSearchJqlPermission }],
      { credentials },
    );
    if (isAllowed(unlimited)) return undefined;

    const family = jiraScopeFamily(instances);
    const principal = credentials.principal as {
      type: string;
      subject?: string;
    };
    if (principal.type !== 'user') {
      // A static token belongs to no group, so no group's scopes cover it
      return `the task was started by ${
        principal.subject ? `the service ${principal.subject}` : 'no user'
      }, which belongs to no group, and only a group's comet.resourceScopes.<group>.${
        family.id
      } scopes allow a Jira project`;
    }
    const { ownershipEntityRefs } = await userInfo.getUserInfo(credentials);
    return scopes.refusalForGroups(ownershipEntityRefs, family, {
      instance: project.instance,
      name: project.projectKey,
    });
  }
}
