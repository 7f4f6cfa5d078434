import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { AI_ASSISTANT_PROVIDER_KEYS } from '@internal/plugin-ai-assistant-common';

/** An OpenAI-compatible endpoint, complete. */
export type AiProviderSettings = {
  baseUrl: string;
  apiKey: string;
  model: string;
  embeddingModel?: string;
  timeoutMs: number;
  maxRetries: number;
  includeUsage: boolean;
  temperature?: number;
};

export type AiAssistantSettings = {
  /** Undefined until baseUrl, apiKey and model are all set; `missingProviderKeys` says which are not. */
  provider?: AiProviderSettings;
  missingProviderKeys: string[];
  rateLimit: { maxRequests: number; windowMs: number };
  maxToolCallsPerTurn: number;
  contextBudgetTokens: number;
  maxToolOutputChars: number;
  maskValues: string[];
};

/** How long a write waits for the user's decision. */
export const CONFIRMATION_TTL_MS = 5 * 60 * 1000;

const PROVIDER = 'aiAssistant.provider';
const RATE_LIMIT = 'aiAssistant.rateLimit';

function number(
  config: Config | undefined,
  key: string,
  fallback: number,
  limits: { min: number; max: number; integer?: boolean },
  prefix = 'aiAssistant',
): number {
  const value = config?.getOptionalNumber(key);
  if (value === undefined) return fallback;
  if (
    !Number.isFinite(value) ||
    value < limits.min ||
    value > limits.max ||
    (limits.integer && !Number.isInteger(value))
  ) {
    throw new InputError(
      `${prefix}.${key}: ${value} must be ${
        limits.integer ? 'a whole number' : 'a number'
      } from ${limits.min} to ${limits.max}`,
    );
  }
  return value;
}

function nonEmpty(config: Config | undefined, key: string): string | undefined {
  const value = config?.getOptionalString(key)?.trim();
  return value ? value : undefined;
}

/**
 * Every `aiAssistant.*` key, read and checked once at start-up: a bad value stops the start
 * naming its key; a missing provider only turns the chat off (`missingProviderKeys`).
 */
export function readAiAssistantSettings(root: Config): AiAssistantSettings {
  const config = root.getOptionalConfig('aiAssistant');
  const providerConfig = config?.getOptionalConfig('provider');

  const baseUrl = nonEmpty(providerConfig, 'baseUrl');
  const apiKey = nonEmpty(providerConfig, 'apiKey');
  const model = nonEmpty(providerConfig, 'model');
  if (baseUrl) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new InputError(
        `aiAssistant.provider.baseUrl: "${baseUrl}" is not a URL such as https://api.openai.com/v1`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InputError(
        `aiAssistant.provider.baseUrl: "${baseUrl}" must be an http(s) URL such as https://api.openai.com/v1`,
      );
    }
    if (url.username || url.password) {
      throw new InputError(
        'aiAssistant.provider.baseUrl: must not contain credentials; put the key in aiAssistant.provider.apiKey',
      );
    }
  }
  const given: Record<string, string | undefined> = {
    'aiAssistant.provider.baseUrl': baseUrl,
    'aiAssistant.provider.apiKey': apiKey,
    'aiAssistant.provider.model': model,
  };
  const missingProviderKeys = AI_ASSISTANT_PROVIDER_KEYS.filter(
    key => !given[key],
  );

  const timeoutMs =
    number(
      providerConfig,
      'timeoutSeconds',
      60,
      { min: 1, max: 600 },
      PROVIDER,
    ) * 1000;
  const maxRetries = number(
    providerConfig,
    'maxRetries',
    2,
    { min: 0, max: 10, integer: true },
    PROVIDER,
  );
  const temperature = providerConfig?.getOptionalNumber('temperature');
  if (temperature !== undefined) {
    number(providerConfig, 'temperature', 0, { min: 0, max: 2 }, PROVIDER);
  }
  const embeddingModel = nonEmpty(providerConfig, 'embeddingModel');

  const provider: AiProviderSettings | undefined =
    baseUrl && apiKey && model
      ? {
          baseUrl: baseUrl.replace(/\/+$/, ''),
          apiKey,
          model,
          ...(embeddingModel ? { embeddingModel } : {}),
          timeoutMs,
          maxRetries,
          includeUsage:
            providerConfig?.getOptionalBoolean('includeUsage') ?? true,
          ...(temperature !== undefined ? { temperature } : {}),
        }
      : undefined;

  const rateLimitConfig = config?.getOptionalConfig('rateLimit');
  const maskValues = (config?.getOptionalStringArray('maskValues') ?? [])
    .map(v => v.trim())
    .filter(Boolean);

  return {
    provider,
    missingProviderKeys,
    rateLimit: {
      maxRequests: number(
        rateLimitConfig,
        'maxRequests',
        20,
        { min: 1, max: 10_000, integer: true },
        RATE_LIMIT,
      ),
      windowMs:
        number(
          rateLimitConfig,
          'windowSeconds',
          60,
          { min: 1, max: 86_400, integer: true },
          RATE_LIMIT,
        ) * 1000,
    },
    maxToolCallsPerTurn: number(config, 'maxToolCallsPerTurn', 8, {
      min: 0,
      max: 50,
      integer: true,
    }),
    contextBudgetTokens: number(config, 'contextBudgetTokens', 24_000, {
      min: 1_000,
      max: 2_000_000,
      integer: true,
    }),
    maxToolOutputChars: number(config, 'maxToolOutputChars', 20_000, {
      min: 500,
      max: 1_000_000,
      integer: true,
    }),
    maskValues,
  };
}
