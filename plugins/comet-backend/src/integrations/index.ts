export { DatabaseWiringOverrideStore } from './DatabaseWiringOverrideStore';
export {
  IntegrationsService,
  PROPOSE_CATALOG_CHANGE_ACTION,
  LIST_SUITES_ACTION,
} from './IntegrationsService';
export {
  WiringValidator,
  GET_SUITE_ACTION,
  LIST_PIPELINE_FILES_ACTION,
} from './WiringValidator';
export { createIntegrationsRouter } from './router';
