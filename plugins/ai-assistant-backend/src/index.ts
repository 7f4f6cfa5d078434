/**
 * Comet's AI assistant backend plugin.
 *
 * @packageDocumentation
 */
export { aiAssistantPlugin as default } from './plugin';
