import type {
  MetricsService,
  MetricsServiceObservableCallback,
} from '@backstage/backend-plugin-api/alpha';
import { registerRateLimitMetrics } from './rateLimitMetrics';

/** A metrics service that keeps each gauge's callbacks, to observe them on demand. */
function recordingMetrics() {
  const gauges = new Map<string, MetricsServiceObservableCallback[]>();
  const metrics = {
    createObservableGauge: (name: string) => {
      const callbacks: MetricsServiceObservableCallback[] = [];
      gauges.set(name, callbacks);
      return {
        addCallback: (cb: MetricsServiceObservableCallback) =>
          callbacks.push(cb),
        removeCallback: () => {},
      };
    },
  } as unknown as MetricsService;
  const observe = async (name: string) => {
    const seen: Array<{ value: number; attributes: unknown }> = [];
    for (const cb of gauges.get(name) ?? []) {
      await cb({
        observe: (value: number, attributes?: unknown) =>
          seen.push({ value, attributes }),
      });
    }
    return seen;
  };
  return { metrics, gauges, observe };
}

describe('registerRateLimitMetrics', () => {
  it("reports each credential's last reading as gauges, named by host and hash", async () => {
    const { metrics, gauges, observe } = recordingMetrics();
    const readings = [
      {
        credential: 'github.com:0123456789abcdef0123456789abcdef',
        limit: 5000,
        remaining: 4990,
        resetAt: '2026-12-06T12:10:00.000Z',
      },
    ];
    registerRateLimitMetrics(
      metrics,
      { rateLimitReadings: () => readings },
      () => Date.parse('2026-12-06T12:00:00.000Z'),
    );
    expect([...gauges.keys()]).toEqual([
      'comet.github.rate_limit.remaining',
      'comet.github.rate_limit.limit',
      'comet.github.rate_limit.reset_seconds',
    ]);
    const attributes = { host: 'github.com', credential: '0123456789ab' };
    expect(await observe('comet.github.rate_limit.remaining')).toEqual([
      { value: 4990, attributes },
    ]);
    expect(await observe('comet.github.rate_limit.limit')).toEqual([
      { value: 5000, attributes },
    ]);
    expect(await observe('comet.github.rate_limit.reset_seconds')).toEqual([
      { value: 600, attributes },
    ]);

    // Readings change as GitHub answers; a window already reset counts as 0 seconds
    readings.push({
      credential: 'ghe.example.com:fedcba9876543210fedcba9876543210',
      limit: 15000,
      remaining: 0,
      resetAt: '2026-12-06T11:59:00.000Z',
    });
    expect(await observe('comet.github.rate_limit.remaining')).toEqual([
      { value: 4990, attributes },
      {
        value: 0,
        attributes: { host: 'ghe.example.com', credential: 'fedcba987654' },
      },
    ]);
    expect(
      (await observe('comet.github.rate_limit.reset_seconds')).map(
        r => r.value,
      ),
    ).toEqual([600, 0]);
  });

  it('names a credential without a hash anonymous', async () => {
    const { metrics, observe } = recordingMetrics();
    registerRateLimitMetrics(metrics, {
      rateLimitReadings: () => [
        {
          credential: 'github.com',
          limit: 60,
          remaining: 59,
          resetAt: new Date(Date.now() + 1000).toISOString(),
        },
      ],
    });
    expect(await observe('comet.github.rate_limit.remaining')).toEqual([
      {
        value: 59,
        attributes: { host: 'github.com', credential: 'anonymous' },
      },
    ]);
  });
});
