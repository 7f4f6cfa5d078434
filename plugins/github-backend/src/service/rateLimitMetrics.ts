import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { GitHubRateLimit } from '@internal/plugin-github-node';

/** What the gauges read: the client factory's last rate-limit reading per credential. */
export type RateLimitSource = {
  rateLimitReadings(): Array<GitHubRateLimit & { credential: string }>;
};

/** The attributes of a reading: its host and a short hash of its credential, never the token. */
function attributesOf(credential: string) {
  const at = credential.lastIndexOf(':');
  return {
    host: at > 0 ? credential.slice(0, at) : credential,
    credential: at > 0 ? credential.slice(at + 1, at + 13) : 'anonymous',
  };
}

/**
 * GitHub's core rate limit as gauges, per host and credential: `comet.github.rate_limit.remaining`
 * (requests left in the window), `comet.github.rate_limit.limit` and
 * `comet.github.rate_limit.reset_seconds` (seconds until the window resets), from the
 * `x-ratelimit-*` headers of the last answer GitHub gave for each credential. Alert on a low
 * `remaining` before users see "rate limit exceeded".
 */
export function registerRateLimitMetrics(
  metrics: MetricsService,
  source: RateLimitSource,
  now: () => number = Date.now,
) {
  const remaining = metrics.createObservableGauge(
    'comet.github.rate_limit.remaining',
    {
      description:
        'Requests left in the GitHub core rate-limit window, per host and credential',
      unit: '{request}',
    },
  );
  const limit = metrics.createObservableGauge('comet.github.rate_limit.limit', {
    description:
      'The GitHub core rate limit per window, per host and credential',
    unit: '{request}',
  });
  const reset = metrics.createObservableGauge(
    'comet.github.rate_limit.reset_seconds',
    {
      description:
        'Seconds until the GitHub core rate-limit window resets, per host and credential',
      unit: 's',
    },
  );
  remaining.addCallback(result => {
    for (const reading of source.rateLimitReadings()) {
      result.observe(reading.remaining, attributesOf(reading.credential));
    }
  });
  limit.addCallback(result => {
    for (const reading of source.rateLimitReadings()) {
      result.observe(reading.limit, attributesOf(reading.credential));
    }
  });
  reset.addCallback(result => {
    for (const reading of source.rateLimitReadings()) {
      result.observe(
        Math.max(0, Math.ceil((Date.parse(reading.resetAt) - now()) / 1000)),
        attributesOf(reading.credential),
      );
    }
  });
}
