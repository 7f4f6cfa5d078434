import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  AiGeneratedTestSuite,
  AiGenerateTestSuiteRequest,
  AiTestSuiteProgressEvent,
  AiTestSuiteStreamEvent,
} from '@internal/plugin-ai-assistant-common';
import { parseServerSentEvents } from '../serverSentEvents';

/** What "Generate suite with AI" calls. */
export interface GenerateTestSuiteApi {
  /**
   * `POST /generate/test-suite`, streamed: `onProgress` gets each step (attempt, saved, running,
   * run finished, repairing) as it happens; resolves with the result. Refusals (400, 403, 409,
   * 429, 503) and an error ending the stream reject with a {@link GenerateTestSuiteApiError}.
   */
  generateTestSuite(
    request: AiGenerateTestSuiteRequest,
    onProgress: (event: AiTestSuiteProgressEvent) => void,
  ): Promise<AiGeneratedTestSuite>;
}

export const generateTestSuiteApiRef =
  createApiRef<GenerateTestSuiteApi>().with({
    id: 'plugin.ai-assistant.generate-test-suite',
    pluginId: 'ai-assistant',
  });

/** A refused or failed generation, with the backend's own message and status. */
export class GenerateTestSuiteApiError extends Error {
  name = 'GenerateTestSuiteApiError';

  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Talks to `/api/ai-assistant/generate/test-suite` with the signed-in user's token. */
export class GenerateTestSuiteClient implements GenerateTestSuiteApi {
  constructor(
    private readonly options: {
      discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
      fetchApi: Pick<FetchApi, 'fetch'>;
    },
  ) {}

  async generateTestSuite(
    request: AiGenerateTestSuiteRequest,
    onProgress: (event: AiTestSuiteProgressEvent) => void,
  ): Promise<AiGeneratedTestSuite> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl('ai-assistant');
    const response = await this.options.fetchApi.fetch(
      `${baseUrl}/generate/test-suite`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify(request),
      },
    );
    if (!response.ok) {
      let message: string | undefined;
      try {
        message = (await response.json())?.error?.message;
      } catch {
        message = undefined;
      }
      throw new GenerateTestSuiteApiError(
        message ??
          `The AI assistant answered ${response.status} ${response.statusText}`.trim(),
        response.status,
      );
    }
    if (!response.body) {
      throw new GenerateTestSuiteApiError(
        'The answer to POST /generate/test-suite came without a body',
      );
    }
    for await (const raw of parseServerSentEvents(response.body)) {
      let event: AiTestSuiteStreamEvent;
      try {
        event = JSON.parse(raw.data);
      } catch {
        throw new GenerateTestSuiteApiError(
          `The AI assistant sent an event "${raw.event}" that is not JSON`,
        );
      }
      if (event.type === 'result') return event.result;
      if (event.type === 'error') {
        throw new GenerateTestSuiteApiError(event.error.message);
      }
      onProgress(event);
    }
    throw new GenerateTestSuiteApiError(
      'The generation stopped before it gave a result; look at the suite in the test recorder',
    );
  }
}
