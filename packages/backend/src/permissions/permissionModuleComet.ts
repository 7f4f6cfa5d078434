import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { CometPermissionPolicy } from './CometPermissionPolicy';

/**
 * Comet's permission policy for the permission backend, in place of allow-all. Roles come from
 * `permission.comet` (see docs/security.md, "Roles and permissions").
 */
export const permissionModuleComet = createBackendModule({
  pluginId: 'permission',
  moduleId: 'comet-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        policy: policyExtensionPoint,
        userInfo: coreServices.userInfo,
      },
      async init({ config, logger, policy, userInfo }) {
        const cometPolicy = CometPermissionPolicy.fromConfig(config, {
          userInfo,
        });
        policy.setPolicy(cometPolicy);
        const admins =
          config.getOptionalStringArray('permission.comet.admins') ?? [];
        if (admins.length === 0) {
          logger.warn(
            'No administrators: permission.comet.admins is empty, so nobody may register catalog locations, configure Jenkins jobs or SonarQube gates',
          );
        }
      },
    });
  },
});
