import {
  AuthService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

/**
 * Backstage's mock auth service, with plugin-to-plugin tokens made the way the real one makes
 * them: a token a plugin gets on behalf of a user authenticates at the target as that user
 * *with the calling plugin as actor* (`plugin:<id>`), and one on behalf of a service as the
 * calling plugin itself. The mock drops the actor, and the permission backend refuses
 * conditional requests of an actor-less user ("Direct user requests without a resourceRef are
 * not allowed"), which every entity-scoped check of the Comet plugins is.
 */
export const actorAuthServiceFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const pluginId = plugin.getId();
    const inner = mockServices.auth({ pluginId });
    return {
      authenticate: (token, options) => inner.authenticate(token, options),
      getNoneCredentials: () => inner.getNoneCredentials(),
      getOwnServiceCredentials: () => inner.getOwnServiceCredentials(),
      isPrincipal: inner.isPrincipal.bind(inner) as AuthService['isPrincipal'],
      getLimitedUserToken: credentials =>
        inner.getLimitedUserToken(credentials),
      listPublicServiceKeys: () => inner.listPublicServiceKeys(),
      async getPluginRequestToken(options) {
        const principal = options.onBehalfOf.principal as {
          type: string;
          userEntityRef?: string;
        };
        if (principal.type === 'user' && principal.userEntityRef) {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${pluginId}` },
            }),
          };
        }
        if (principal.type === 'service') {
          return {
            token: mockCredentials.service.token({
              onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
              targetPluginId: options.targetPluginId,
            }),
          };
        }
        return inner.getPluginRequestToken(options);
      },
    };
  },
});
