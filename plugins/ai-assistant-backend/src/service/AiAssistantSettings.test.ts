import { ConfigReader } from '@backstage/config';
import { readAiAssistantSettings } from './AiAssistantSettings';

const provider = {
  baseUrl: 'https://api.openai.com/v1/',
  apiKey: 'sk-test',
  model: 'gpt-4.1-mini',
};

describe('readAiAssistantSettings', () => {
  it('turns the chat off naming every missing key, with defaults for the rest', () => {
    expect(readAiAssistantSettings(new ConfigReader({}))).toEqual({
      provider: undefined,
      missingProviderKeys: [
        'aiAssistant.provider.baseUrl',
        'aiAssistant.provider.apiKey',
        'aiAssistant.provider.model',
      ],
      rateLimit: { maxRequests: 20, windowMs: 60_000 },
      maxToolCallsPerTurn: 8,
      contextBudgetTokens: 24_000,
      maxToolOutputChars: 20_000,
      maskValues: [],
    });
    expect(
      readAiAssistantSettings(
        new ConfigReader({
          aiAssistant: { provider: { baseUrl: provider.baseUrl, model: ' ' } },
        }),
      ).missingProviderKeys,
    ).toEqual(['aiAssistant.provider.apiKey', 'aiAssistant.provider.model']);
  });

  it('reads a complete provider and every limit', () => {
    const settings = readAiAssistantSettings(
      new ConfigReader({
        aiAssistant: {
          provider: {
            ...provider,
            embeddingModel: 'text-embedding-3-small',
            timeoutSeconds: 30,
            maxRetries: 0,
            includeUsage: false,
            temperature: 0.3,
          },
          rateLimit: { maxRequests: 5, windowSeconds: 10 },
          maxToolCallsPerTurn: 3,
          contextBudgetTokens: 8000,
          maxToolOutputChars: 1000,
          maskValues: [' internal-host-key '],
        },
      }),
    );
    expect(settings).toEqual({
      provider: {
        baseUrl: 'https://api.openai.com/v1',
        apiKey: 'sk-test',
        model: 'gpt-4.1-mini',
        embeddingModel: 'text-embedding-3-small',
        timeoutMs: 30_000,
        maxRetries: 0,
        includeUsage: false,
        temperature: 0.3,
      },
      missingProviderKeys: [],
      rateLimit: { maxRequests: 5, windowMs: 10_000 },
      maxToolCallsPerTurn: 3,
      contextBudgetTokens: 8000,
      maxToolOutputChars: 1000,
      maskValues: ['internal-host-key'],
    });
  });

  it.each([
    [
      { provider: { ...provider, baseUrl: 'not a url' } },
      'aiAssistant.provider.baseUrl: "not a url" is not a URL',
    ],
    [
      { provider: { ...provider, baseUrl: 'ftp://host/v1' } },
      'aiAssistant.provider.baseUrl: "ftp://host/v1" must be an http(s) URL',
    ],
    [
      { provider: { ...provider, baseUrl: 'https://u:p@host/v1' } },
      'aiAssistant.provider.baseUrl: must not contain credentials',
    ],
    [
      { provider: { ...provider, timeoutSeconds: 0 } },
      'aiAssistant.provider.timeoutSeconds: 0 must be a number from 1 to 600',
    ],
    [
      { provider: { ...provider, maxRetries: 1.5 } },
      'aiAssistant.provider.maxRetries: 1.5 must be a whole number from 0 to 10',
    ],
    [
      { provider: { ...provider, temperature: 3 } },
      'aiAssistant.provider.temperature: 3 must be a number from 0 to 2',
    ],
    [
      { rateLimit: { maxRequests: 0 } },
      'aiAssistant.rateLimit.maxRequests: 0 must be a whole number from 1 to 10000',
    ],
    [
      { rateLimit: { windowSeconds: 100000 } },
      'aiAssistant.rateLimit.windowSeconds: 100000 must be a whole number from 1 to 86400',
    ],
    [
      { maxToolCallsPerTurn: 51 },
      'aiAssistant.maxToolCallsPerTurn: 51 must be a whole number from 0 to 50',
    ],
    [
      { contextBudgetTokens: 10 },
      'aiAssistant.contextBudgetTokens: 10 must be a whole number from 1000 to 2000000',
    ],
  ])('stops a bad value naming its key: %j', (aiAssistant, message) => {
    expect(() =>
      readAiAssistantSettings(new ConfigReader({ aiAssistant })),
    ).toThrow(message);
  });
});
