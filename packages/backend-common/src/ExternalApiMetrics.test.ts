import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { metrics as otelMetrics } from '@opentelemetry/api';
import { ExternalApiMetrics } from './ExternalApiMetrics';

class CollectingReader extends MetricReader {
  protected async onShutdown() {}
  protected async onForceFlush() {}
}

async function setup() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  // The Backstage metrics service is a thin wrapper over an OpenTelemetry meter.
  const metrics = provider.getMeter('test') as unknown as MetricsService;
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    const byName = new Map<string, SumMetricData | HistogramMetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        byName.set(
          metric.descriptor.name,
          metric as SumMetricData | HistogramMetricData,
        );
      }
    }
    return byName;
  };
  return { metrics, collect };
}

const points = (metric: SumMetricData | HistogramMetricData | undefined) =>
  (metric?.dataPoints ?? []).map(point => ({
    attributes: point.attributes,
    value: point.value,
  }));

describe('ExternalApiMetrics', () => {
  it('counts calls, errors by status class and latency per system and instance', async () => {
    const { metrics, collect } = await setup();
    const jenkins = ExternalApiMetrics.create(metrics, 'jenkins');
    jenkins.call({ instance: 'ci', status: 200, durationMs: 120 });
    jenkins.call({ instance: 'ci', status: 404, durationMs: 30 });
    jenkins.call({ instance: 'ci', status: 503, durationMs: 40 });
    jenkins.call({ instance: 'legacy', failure: 'timeout', durationMs: 5000 });
    jenkins.call({ instance: 'legacy', durationMs: 1 });

    const byName = await collect();
    expect(points(byName.get('comet.external.requests'))).toEqual(
      expect.arrayContaining([
        {
          attributes: { system: 'jenkins', instance: 'ci', outcome: 'success' },
          value: 1,
        },
        {
          attributes: { system: 'jenkins', instance: 'ci', outcome: 'error' },
          value: 2,
        },
        {
          attributes: {
            system: 'jenkins',
            instance: 'legacy',
            outcome: 'error',
          },
          value: 2,
        },
      ]),
    );
    expect(points(byName.get('comet.external.errors'))).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            system: 'jenkins',
            instance: 'ci',
            status_class: '4xx',
          },
          value: 1,
        },
        {
          attributes: {
            system: 'jenkins',
            instance: 'ci',
            status_class: '5xx',
          },
          value: 1,
        },
        {
          attributes: {
            system: 'jenkins',
            instance: 'legacy',
            status_class: 'timeout',
          },
          value: 1,
        },
        {
          attributes: {
            system: 'jenkins',
            instance: 'legacy',
            status_class: 'network',
          },
          value: 1,
        },
      ]),
    );
    const latency = byName.get('comet.external.request.duration_seconds');
    expect(latency?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const ci = (latency as HistogramMetricData).dataPoints.find(
      point => point.attributes.instance === 'ci',
    );
    expect(ci?.value.count).toBe(3);
    expect(ci?.value.sum).toBeCloseTo(0.19, 5);
    expect(ci?.value.buckets.boundaries).toContain(0.05);
  });

  it('counts rate-limit waits and the seconds waited', async () => {
    const { metrics, collect } = await setup();
    const jira = ExternalApiMetrics.create(metrics, 'jira');
    jira.rateLimitWait('cloud', 1500);
    jira.rateLimitWait('cloud', 500);
    const byName = await collect();
    expect(points(byName.get('comet.external.rate_limit.waits'))).toEqual([
      { attributes: { system: 'jira', instance: 'cloud' }, value: 2 },
    ]);
    expect(
      points(byName.get('comet.external.rate_limit.wait_seconds')),
    ).toEqual([
      { attributes: { system: 'jira', instance: 'cloud' }, value: 2 },
    ]);
  });

  it('times a fetch: its status, or a timeout or network failure when it throws', async () => {
    const { metrics, collect } = await setup();
    const github = ExternalApiMetrics.create(metrics, 'github');
    await expect(
      github.time('github.com', async () => ({ status: 201 })),
    ).resolves.toEqual({ status: 201 });
    const timeout = Object.assign(new Error('timed out'), {
      name: 'TimeoutError',
    });
    await expect(
      github.time('github.com', () => Promise.reject(timeout)),
    ).rejects.toBe(timeout);
    await expect(
      github.time('github.com', () =>
        Promise.reject(new TypeError('fetch failed')),
      ),
    ).rejects.toThrow('fetch failed');
    const byName = await collect();
    expect(points(byName.get('comet.external.errors'))).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            system: 'github',
            instance: 'github.com',
            status_class: 'timeout',
          },
          value: 1,
        },
        {
          attributes: {
            system: 'github',
            instance: 'github.com',
            status_class: 'network',
          },
          value: 1,
        },
      ]),
    );
    expect(points(byName.get('comet.external.requests'))).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            system: 'github',
            instance: 'github.com',
            outcome: 'success',
          },
          value: 1,
        },
      ]),
    );
  });

  it('for a root service, records on the global meter provider (the one the backend sets)', async () => {
    const reader = new CollectingReader();
    otelMetrics.setGlobalMeterProvider(
      new MeterProvider({ readers: [reader] }),
    );
    try {
      ExternalApiMetrics.forRootService('sonarqube').call({
        instance: 'default',
        status: 200,
        durationMs: 5,
      });
      const { resourceMetrics } = await reader.collect();
      const scope = resourceMetrics.scopeMetrics.find(
        s => s.scope.name === 'comet-external-api',
      );
      const requests = scope?.metrics.find(
        m => m.descriptor.name === 'comet.external.requests',
      );
      expect(points(requests as SumMetricData)).toEqual([
        {
          attributes: {
            system: 'sonarqube',
            instance: 'default',
            outcome: 'success',
          },
          value: 1,
        },
      ]);
    } finally {
      otelMetrics.disable();
    }
  });
});
