import { integrationsApi, integrationsCard } from './extensions';

/** The Integrations card and its API. */
export const integrationsExtensions = [integrationsApi, integrationsCard];
