import type {
  MetricsService,
  MetricsServiceCounter,
} from '@backstage/backend-plugin-api/alpha';
import type { AiTokenUsage } from '@internal/plugin-ai-assistant-common';

/**
 * The assistant's OpenTelemetry metrics (through Backstage's metrics service):
 * `comet.ai.model.calls` by model and outcome, `comet.ai.tokens` by model and kind
 * (`prompt`, `completion`), `comet.ai.tool.calls` by action, decision and outcome. No user
 * names in attributes: the usage view has them, metrics keep a small cardinality.
 */
export class AiAssistantMetrics {
  static create(metrics: MetricsService): AiAssistantMetrics {
    return new AiAssistantMetrics(
      metrics.createCounter('comet.ai.model.calls', {
        description: 'Model calls, by model and outcome',
        unit: '{call}',
      }),
      metrics.createCounter('comet.ai.tokens', {
        description: 'Tokens the provider reported, by model and kind',
        unit: '{token}',
      }),
      metrics.createCounter('comet.ai.tool.calls', {
        description: 'Tool calls, by action, decision and outcome',
        unit: '{call}',
      }),
    );
  }

  private constructor(
    private readonly modelCalls: MetricsServiceCounter,
    private readonly tokens: MetricsServiceCounter,
    private readonly toolCalls: MetricsServiceCounter,
  ) {}

  modelCall(model: string, outcome: string, usage: AiTokenUsage | undefined) {
    this.modelCalls.add(1, { model, outcome });
    if (usage) {
      this.tokens.add(usage.promptTokens, { model, kind: 'prompt' });
      this.tokens.add(usage.completionTokens, { model, kind: 'completion' });
    }
  }

  toolCall(action: string, decision: string, outcome: string) {
    this.toolCalls.add(1, { action, decision, outcome });
  }
}
