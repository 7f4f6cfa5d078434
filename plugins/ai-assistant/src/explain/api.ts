import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  AiExplainRunRequest,
  AiFailureExplanation,
  AiFailureRuleIssue,
  AiFailureRulesTestRequest,
  AiFailureRulesTestResult,
  AiFailureRulesView,
} from '@internal/plugin-ai-assistant-common';

/** What "Explain this failure" and the failure-rules page read and write. */
export interface ExplainFailureApi {
  /** `POST /explain`: the explanation of a failed run (offline, and the model's when configured). */
  explainRun(request: AiExplainRunRequest): Promise<AiFailureExplanation>;
  /** `GET /rules`: the shipped rules and the administrators' rules. */
  getRules(): Promise<AiFailureRulesView>;
  /**
   * `PUT /rules`: saves the administrators' rules. Rules with problems reject with a
   * {@link FailureRulesInvalidError} listing them with their lines.
   */
  saveRules(yaml: string, baseVersion: number): Promise<AiFailureRulesView>;
  /** `POST /rules/test`: a rule, or rules, against a log. */
  testRules(
    request: AiFailureRulesTestRequest,
  ): Promise<AiFailureRulesTestResult>;
}

export const explainFailureApiRef = createApiRef<ExplainFailureApi>().with({
  id: 'plugin.ai-assistant.explain-failure',
  pluginId: 'ai-assistant',
});

/** A refused or failed request, with the backend's own message and status. */
export class ExplainFailureApiError extends Error {
  name = 'ExplainFailureApiError';

  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** Rules that were not saved, with every problem and where it is. */
export class FailureRulesInvalidError extends ExplainFailureApiError {
  name = 'FailureRulesInvalidError';

  constructor(message: string, readonly issues: AiFailureRuleIssue[]) {
    super(message, 400);
  }
}

/** Talks to `/api/ai-assistant` with the signed-in user's token. */
export class ExplainFailureClient implements ExplainFailureApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  explainRun(request: AiExplainRunRequest): Promise<AiFailureExplanation> {
    return this.request('/explain', { method: 'POST', body: request });
  }

  getRules(): Promise<AiFailureRulesView> {
    return this.request('/rules');
  }

  saveRules(yaml: string, baseVersion: number): Promise<AiFailureRulesView> {
    return this.request('/rules', {
      method: 'PUT',
      body: { yaml, baseVersion },
    });
  }

  testRules(
    request: AiFailureRulesTestRequest,
  ): Promise<AiFailureRulesTestResult> {
    return this.request('/rules/test', { method: 'POST', body: request });
  }

  private async request<T>(
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl('ai-assistant');
    const response = await this.options.fetchApi.fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(init.body),
          }
        : {}),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const message =
        json?.error?.message ??
        `The AI assistant answered ${response.status} ${response.statusText}`.trim();
      if (Array.isArray(json?.issues)) {
        throw new FailureRulesInvalidError(message, json.issues);
      }
      throw new ExplainFailureApiError(message, response.status);
    }
    return json as T;
  }
}
