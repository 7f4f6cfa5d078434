export { DatabaseWiringOverrideStore } from './DatabaseWiringOverrideStore';
export {
  IntegrationsService,
  PROPOSE_CATALOG_CHANGE_ACTION,
  LIST_SUITES_ACTION,
} from './IntegrationsService';
export { WiringValidator, GET_SUITE_ACTION } from './WiringValidator';
export { createIntegrationsRouter } from './router';
