import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { catalogProblemsExtensions } from './catalogProblems';
import { deliveryHealthExtensions } from './deliveryHealth';
import { integrationsExtensions } from './integrations';

/** Comet's own UI (new frontend system): delivery health and the Integrations card. */
export const cometPlugin = createFrontendPlugin({
  pluginId: 'comet',
  title: 'Comet',
  extensions: [
    ...deliveryHealthExtensions,
    ...integrationsExtensions,
    ...catalogProblemsExtensions,
  ],
});
