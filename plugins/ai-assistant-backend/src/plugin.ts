import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsServiceRef,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { aiAssistantPermissions } from '@internal/plugin-ai-assistant-common';
import { OpenAiChatClient } from './provider/OpenAiChatClient';
import { AiAssistantMetrics } from './service/AiAssistantMetrics';
import { AiAssistantService } from './service/AiAssistantService';
import { readAiAssistantSettings } from './service/AiAssistantSettings';
import { createRouter } from './service/router';
import { DatabaseAiAssistantStore } from './store/DatabaseAiAssistantStore';
import { SecretMasker } from './tools/SecretMasker';

/**
 * Comet's AI assistant: a chat over any OpenAI-compatible model that reaches the portal only
 * through the actions registry, with the signed-in user's own credentials, asking before any
 * write; conversations per user, a per-user rate limit, token usage for administrators.
 */
export const aiAssistantPlugin = createBackendPlugin({
  pluginId: 'ai-assistant',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        database: coreServices.database,
        actions: actionsServiceRef,
        metrics: metricsServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        database,
        actions,
        metrics,
      }) {
        // Every aiAssistant.* key, checked once: a bad value stops start-up naming the key
        const settings = readAiAssistantSettings(config);
        const client = settings.provider
          ? OpenAiChatClient.create({ settings: settings.provider, logger })
          : undefined;
        if (settings.provider) {
          logger.info(
            `AI assistant: model ${settings.provider.model} at ${settings.provider.baseUrl}`,
          );
        } else {
          logger.info(
            `AI assistant chat is off; set ${settings.missingProviderKeys.join(
              ', ',
            )} to turn it on`,
          );
        }
        const store = await DatabaseAiAssistantStore.create({ database });
        const service = AiAssistantService.create({
          settings,
          store,
          actions,
          auditor,
          permissions,
          masker: SecretMasker.fromConfig(config, settings.maskValues),
          client,
          metrics: AiAssistantMetrics.create(metrics),
          logger,
        });
        permissionsRegistry.addPermissions(aiAssistantPermissions);
        httpRouter.use(await createRouter({ service, httpAuth }));
      },
    });
  },
});
