/**
 * Comet's AI assistant frontend plugin: the chat page at `/ai-assistant` (streamed answers,
 * tool activity, confirmations, history, usage for administrators) and "Ask about this
 * service" on entity pages.
 *
 * @packageDocumentation
 */
export { aiAssistantPlugin as default } from './plugin';
export {
  AiAssistantApiError,
  AiAssistantClient,
  aiAssistantApiRef,
} from './api';
export type {
  AiAssistantApi,
  AiAssistantClientOptions,
  ConversationsPage,
  ListConversationsRequest,
  StreamEventHandler,
  StreamOptions,
} from './api';
