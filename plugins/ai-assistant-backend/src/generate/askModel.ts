import { ServiceUnavailableError } from '@backstage/errors';
import {
  type ChatMessage,
  ModelProviderError,
  type OpenAiChatClient,
} from '../provider/OpenAiChatClient';
import type { AiAssistantMetrics } from '../service/AiAssistantMetrics';
import { RateLimitedError } from '../service/AiAssistantService';
import type { DatabaseAiAssistantStore } from '../store/DatabaseAiAssistantStore';
import type { SecretMasker } from '../tools/SecretMasker';

/**
 * One model call of a generator, without tools; its tokens are recorded (metrics and the usage
 * store) whatever happens. A provider's 429 becomes a 429 with its Retry-After; any other
 * provider failure a 503 saying what could not be generated (`what`), with the provider's
 * message masked.
 */
export async function askModel(
  options: {
    store: Pick<DatabaseAiAssistantStore, 'recordUsage'>;
    masker: SecretMasker;
    metrics?: AiAssistantMetrics;
  },
  request: {
    client: OpenAiChatClient;
    userRef: string;
    messages: ChatMessage[];
    /** e.g. "The pipeline could not be generated" */
    what: string;
  },
): Promise<string> {
  const { store, metrics, masker } = options;
  const { client, userRef, messages } = request;
  try {
    const result = await client.streamChat({
      messages,
      tools: [],
      onText: () => {},
    });
    metrics?.modelCall(client.model, 'completed', result.usage);
    await store.recordUsage({
      userRef,
      model: client.model,
      usage: result.usage,
    });
    return result.content;
  } catch (error) {
    if (!(error instanceof ModelProviderError)) throw error;
    metrics?.modelCall(client.model, error.failure, error.usage);
    await store.recordUsage({
      userRef,
      model: client.model,
      usage: error.usage,
    });
    const message = masker.mask(error.message);
    if (error.failure === 'rate-limited') {
      throw new RateLimitedError(message, error.retryAfterSeconds ?? 30);
    }
    throw new ServiceUnavailableError(`${request.what}: ${message}`);
  }
}
