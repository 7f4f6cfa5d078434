import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { ExternalApiMetrics } from '@internal/backend-common';
import { aiAssistantPermissions } from '@internal/plugin-ai-assistant-common';
import { registerActions } from './actions/registerActions';
import { readExplainLimits } from './explain/explainLimits';
import { FailureExplainer } from './explain/FailureExplainer';
import { FailureRulesService } from './explain/FailureRulesService';
import { createFailureAnalysisRouter } from './explain/router';
import { registerGeneratePipelineAction } from './generate/pipelineAction';
import {
  PipelineGenerator,
  readPipelineGenerationSettings,
} from './generate/PipelineGenerator';
import { createPipelineGenerationRouter } from './generate/pipelineRouter';
import { registerGenerateTestSuiteAction } from './generate/testSuiteAction';
import {
  readTestSuiteGenerationSettings,
  TestSuiteGenerator,
} from './generate/TestSuiteGenerator';
import { createTestSuiteGenerationRouter } from './generate/testSuiteRouter';
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
        actionsRegistry: actionsRegistryServiceRef,
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
        actionsRegistry,
        metrics,
      }) {
        // Every aiAssistant.* key, checked once: a bad value stops start-up naming the key
        const settings = readAiAssistantSettings(config);
        const explainLimits = readExplainLimits(config);
        const pipelineGeneration = readPipelineGenerationSettings(config);
        const testSuiteGeneration = readTestSuiteGenerationSettings(config);
        const client = settings.provider
          ? OpenAiChatClient.create({
              settings: settings.provider,
              logger,
              metrics: ExternalApiMetrics.create(metrics, 'model'),
            })
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
        const masker = SecretMasker.fromConfig(config, settings.maskValues);
        const assistantMetrics = AiAssistantMetrics.create(metrics);
        const service = AiAssistantService.create({
          settings,
          store,
          actions,
          auditor,
          permissions,
          masker,
          client,
          metrics: assistantMetrics,
          logger,
        });
        // "Explain this failure": offline always, with the model when one is configured
        const rules = FailureRulesService.create({
          store,
          auditor,
          permissions,
          logger,
        });
        const explainer = FailureExplainer.create({
          actions,
          store,
          rules,
          masker,
          settings,
          permissions,
          auditor,
          logger,
          client,
          metrics: assistantMetrics,
          limits: explainLimits,
          appBaseUrl: (config.getOptionalString('app.baseUrl') ?? '').replace(
            /\/+$/,
            '',
          ),
        });
        // "Generate with AI" in the pipeline editor: validated by the pipelines plugin's action
        const pipelineGenerator = PipelineGenerator.create({
          actions,
          store,
          masker,
          settings,
          generation: pipelineGeneration,
          permissions,
          auditor,
          logger,
          client,
          metrics: assistantMetrics,
        });
        // "Generate suite with AI": saved and run through the test recorder's actions
        const testSuiteGenerator = TestSuiteGenerator.create({
          actions,
          store,
          masker,
          settings,
          generation: testSuiteGeneration,
          permissions,
          auditor,
          logger,
          client,
          metrics: assistantMetrics,
        });
        permissionsRegistry.addPermissions(aiAssistantPermissions);
        registerActions(actionsRegistry, explainer);
        registerGeneratePipelineAction(actionsRegistry, pipelineGenerator);
        registerGenerateTestSuiteAction(actionsRegistry, testSuiteGenerator);
        // First: its routes take larger bodies than the chat's router allows
        httpRouter.use(
          await createFailureAnalysisRouter({ explainer, rules, httpAuth }),
        );
        httpRouter.use(
          await createPipelineGenerationRouter({
            generator: pipelineGenerator,
            httpAuth,
          }),
        );
        httpRouter.use(
          await createTestSuiteGenerationRouter({
            generator: testSuiteGenerator,
            httpAuth,
          }),
        );
        httpRouter.use(await createRouter({ service, httpAuth }));
      },
    });
  },
});
