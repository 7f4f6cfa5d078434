import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import ChatIcon from '@material-ui/icons/Chat';
import { AiAssistantClient, aiAssistantApiRef } from './api';
import { isAskableEntity } from './filters';
import { rootRouteRef } from './routes';
import { explainExtensions, failureRulesRouteRef } from './explain/extensions';
import { generateSuiteExtensions } from './generateSuite/extensions';
import { pipelineGenerationExtensions } from './generate/pipelineExtensions';

const aiAssistantApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: aiAssistantApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AiAssistantClient({ discoveryApi, fetchApi }),
    }),
});

/** `/ai-assistant`: conversations, the streamed chat, confirmations, usage for administrators. */
export const aiAssistantPage = PageBlueprint.make({
  params: {
    path: '/ai-assistant',
    routeRef: rootRouteRef,
    title: 'AI assistant',
    icon: <ChatIcon fontSize="inherit" />,
    // the page has its own header
    noHeader: true,
    loader: () =>
      import('./components/AssistantPage').then(m => <m.AssistantPage />),
  },
});

/** "Ask about this service" on entity pages: a side panel whose conversations know the entity. */
export const aiAssistantEntityCard = EntityCardBlueprint.make({
  name: 'ask',
  params: {
    type: 'info',
    filter: isAskableEntity,
    loader: () =>
      import('./components/EntityAskCard').then(m => <m.EntityAskCard />),
  },
});

/** Comet's AI assistant UI (new frontend system). */
export const aiAssistantPlugin = createFrontendPlugin({
  pluginId: 'ai-assistant',
  title: 'AI assistant',
  icon: <ChatIcon fontSize="inherit" />,
  extensions: [
    aiAssistantApi,
    aiAssistantPage,
    aiAssistantEntityCard,
    // "Explain this failure" on failed runs, and the failure rules page
    ...explainExtensions,
    // "Generate suite with AI" in the test recorder's Tests tab
    ...generateSuiteExtensions,
    // "Generate with AI" in the pipeline editor
    ...pipelineGenerationExtensions,
  ],
  routes: { root: rootRouteRef, failureRules: failureRulesRouteRef },
});
