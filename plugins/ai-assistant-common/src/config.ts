/** The root config key of the family. */
export const AI_ASSISTANT_CONFIG_KEY = 'aiAssistant';

/** The keys an OpenAI-compatible provider needs; the chat names the missing ones. */
export const AI_ASSISTANT_PROVIDER_KEYS = [
  'aiAssistant.provider.baseUrl',
  'aiAssistant.provider.apiKey',
  'aiAssistant.provider.model',
] as const;

/**
 * What the chat says when no provider is configured, naming the keys still missing (all
 * three when none are given).
 */
export function aiAssistantNotConfiguredMessage(
  missingKeys: readonly string[] = AI_ASSISTANT_PROVIDER_KEYS,
): string {
  return `The AI assistant has no model provider: set ${missingKeys.join(
    ', ',
  )} in app-config (any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama, vLLM, LiteLLM). Failure analysis without a model still works.`;
}
