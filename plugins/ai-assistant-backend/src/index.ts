/**
 * Comet's AI assistant backend plugin.
 *
 * @packageDocumentation
 */
export { aiAssistantPlugin as default } from './plugin';
/** The assistant's metric instruments (names and attributes), for dashboards and their tests. */
export { AiAssistantMetrics } from './service/AiAssistantMetrics';
