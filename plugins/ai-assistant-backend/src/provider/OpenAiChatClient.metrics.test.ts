import { mockServices } from '@backstage/backend-test-utils';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import { ExternalApiMetrics } from '@internal/backend-common';
import {
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { OpenAiFake } from '../testUtils';
import { OpenAiChatClient } from './OpenAiChatClient';

class CollectingReader extends MetricReader {
  protected async onShutdown() {}
  protected async onForceFlush() {}
}

describe('OpenAiChatClient metrics', () => {
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
  });
  afterAll(() => fake.close());

  it('counts every HTTP call to the model, and the 429 it waited out', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = provider.getMeter('test') as unknown as MetricsService;
    const client = OpenAiChatClient.create({
      settings: {
        baseUrl: fake.url,
        apiKey: fake.apiKey,
        model: fake.model,
        timeoutMs: 10_000,
        maxRetries: 1,
        includeUsage: true,
      },
      logger: mockServices.logger.mock(),
      metrics: ExternalApiMetrics.create(metrics, 'model'),
    });
    fake.reply(
      { error: { status: 429, retryAfterSeconds: 0 } },
      { text: 'second try' },
    );
    const result = await client.streamChat({
      messages: [{ role: 'user', content: 'Hello?' }],
      tools: [],
      onText: () => {},
    });
    expect(result.content).toBe('second try');

    const { resourceMetrics } = await reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        byName.set(metric.descriptor.name, metric);
      }
    }
    const instance = new URL(fake.url).host;
    const points = (name: string) =>
      byName.get(name)!.dataPoints.map(p => ({
        attributes: p.attributes,
        value: p.value,
      }));
    expect(points('comet.external.requests')).toEqual(
      expect.arrayContaining([
        {
          attributes: { system: 'model', instance, outcome: 'error' },
          value: 1,
        },
        {
          attributes: { system: 'model', instance, outcome: 'success' },
          value: 1,
        },
      ]),
    );
    expect(points('comet.external.errors')).toEqual([
      {
        attributes: { system: 'model', instance, status_class: '4xx' },
        value: 1,
      },
    ]);
    expect(points('comet.external.rate_limit.waits')).toEqual([
      { attributes: { system: 'model', instance }, value: 1 },
    ]);
  });
});
