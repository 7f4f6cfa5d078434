import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  AiGeneratedPipeline,
  AiGeneratePipelineRequest,
} from '@internal/plugin-ai-assistant-common';

/** "Generate with AI" in the pipeline editor. */
export interface PipelineGenerationApi {
  /**
   * `POST /generate/pipeline`: a pipeline file from a description, validated and repaired by
   * the backend. Rejects with a {@link PipelineGenerationApiError} carrying the backend's
   * message (a 503 names the config keys to set).
   */
  generatePipeline(
    request: AiGeneratePipelineRequest,
  ): Promise<AiGeneratedPipeline>;
}

export const pipelineGenerationApiRef =
  createApiRef<PipelineGenerationApi>().with({
    id: 'plugin.ai-assistant.pipeline-generation',
    pluginId: 'ai-assistant',
  });

/** A refused or failed generation, with the backend's own message and status. */
export class PipelineGenerationApiError extends Error {
  name = 'PipelineGenerationApiError';

  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** Talks to `/api/ai-assistant/generate/pipeline` with the signed-in user's token. */
export class PipelineGenerationClient implements PipelineGenerationApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  async generatePipeline(
    request: AiGeneratePipelineRequest,
  ): Promise<AiGeneratedPipeline> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl('ai-assistant');
    const response = await this.options.fetchApi.fetch(
      `${baseUrl}/generate/pipeline`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      },
    );
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      throw new PipelineGenerationApiError(
        json?.error?.message ??
          `The AI assistant answered ${response.status} ${response.statusText}`.trim(),
        response.status,
      );
    }
    return json as AiGeneratedPipeline;
  }
}
