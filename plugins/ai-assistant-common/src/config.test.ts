import {
  AI_ASSISTANT_CONFIG_KEY,
  AI_ASSISTANT_PROVIDER_KEYS,
  aiAssistantNotConfiguredMessage,
} from './config';

describe('AI assistant config keys', () => {
  it('names the provider keys under aiAssistant', () => {
    expect(AI_ASSISTANT_CONFIG_KEY).toBe('aiAssistant');
    for (const key of AI_ASSISTANT_PROVIDER_KEYS) {
      expect(key.startsWith(`${AI_ASSISTANT_CONFIG_KEY}.provider.`)).toBe(true);
    }
  });

  it('says which keys to set, all three by default', () => {
    expect(aiAssistantNotConfiguredMessage()).toContain(
      'set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey, aiAssistant.provider.model in app-config',
    );
    expect(
      aiAssistantNotConfiguredMessage(['aiAssistant.provider.model']),
    ).toContain('set aiAssistant.provider.model in app-config');
  });
});
