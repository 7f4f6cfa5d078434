import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { sonarqubeProjectConfigurePermission } from '@internal/plugin-sonarqube-common';

/**
 * Throws NotAllowedError naming `sonarqube.project.configure` unless `credentials` (the user
 * who started the task, not the backend) may configure SonarQube projects; `what` says what
 * would have been done.
 */
export async function authorizeSonarQubeProjectConfigure(options: {
  permissions: PermissionsService;
  credentials: BackstageCredentials;
  what: string;
}): Promise<void> {
  const [decision] = await options.permissions.authorize(
    [{ permission: sonarqubeProjectConfigurePermission }],
    { credentials: options.credentials },
  );
  if (decision?.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `You are not allowed to ${options.what}: it needs the ${sonarqubeProjectConfigurePermission.name} permission`,
    );
  }
}
