import { metrics as otelMetrics } from '@opentelemetry/api';
import type {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
} from '@backstage/backend-plugin-api/alpha';

/** The external systems Comet calls; the `system` attribute of every external-call metric. */
export type ExternalSystem =
  | 'jenkins'
  | 'sonarqube'
  | 'jira'
  | 'github'
  | 'model';

/** Latency buckets for calls to external APIs, in seconds (10 ms to 2 min). */
export const EXTERNAL_LATENCY_BUCKETS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/**
 * The status class of an answer for `comet.external.errors`: `4xx`, `5xx`, or `network` when
 * no answer came (refused, reset, DNS) and `timeout` when the call's timeout ran out.
 */
export type ExternalErrorClass = '4xx' | '5xx' | 'network' | 'timeout';

/** What one call to an external API gives the metrics. */
export type ExternalCall = {
  instance: string;
  /** The HTTP status of the answer; undefined when none came. */
  status?: number;
  /** Set when no answer came: why. */
  failure?: 'network' | 'timeout';
  durationMs: number;
};

/**
 * Metrics of the calls Comet makes to one external system, per instance, through Backstage's
 * metrics service:
 *
 * - `comet.external.requests` — HTTP calls made (each retry is a call), by `outcome`
 *   (`success` for 1xx–3xx, else `error`)
 * - `comet.external.request.duration_seconds` — their latency
 * - `comet.external.errors` — failed calls by `status_class` (`4xx`, `5xx`, `network`,
 *   `timeout`)
 * - `comet.external.rate_limit.waits` and `comet.external.rate_limit.wait_seconds` — how often
 *   and how long a client waited because the system said to slow down (429, Retry-After)
 *
 * Attributes are `system` (jenkins, sonarqube, jira, github, model) and `instance` (the
 * configured instance name, never a URL with credentials or a token).
 */
export class ExternalApiMetrics {
  /**
   * The instruments of `system` for a root-scoped client (one per backend, shared by plugins),
   * which cannot depend on the plugin-scoped metrics service: the meter `comet-external-api`
   * of OpenTelemetry's global meter provider, the one Backstage's metrics service uses too.
   * Create it when the client is created (the backend sets the provider before that).
   */
  static forRootService(system: ExternalSystem): ExternalApiMetrics {
    const meter: MetricsService = otelMetrics.getMeter('comet-external-api');
    return ExternalApiMetrics.create(meter, system);
  }

  /** The instruments of `system`, created through `metrics` (the plugin's metrics service). */
  static create(metrics: MetricsService, system: ExternalSystem) {
    return new ExternalApiMetrics(
      system,
      metrics.createCounter('comet.external.requests', {
        description:
          'HTTP calls to external systems, per system, instance and outcome',
        unit: '{request}',
      }),
      metrics.createHistogram('comet.external.request.duration_seconds', {
        description:
          'Latency of HTTP calls to external systems, per system and instance',
        unit: 's',
        advice: { explicitBucketBoundaries: EXTERNAL_LATENCY_BUCKETS },
      }),
      metrics.createCounter('comet.external.errors', {
        description:
          'Failed HTTP calls to external systems, per system, instance and status class',
        unit: '{request}',
      }),
      metrics.createCounter('comet.external.rate_limit.waits', {
        description:
          'Times a client waited because an external system asked it to slow down (429, Retry-After)',
        unit: '{wait}',
      }),
      metrics.createCounter('comet.external.rate_limit.wait_seconds', {
        description: 'Seconds spent waiting for external systems rate limits',
        unit: 's',
      }),
    );
  }

  private constructor(
    readonly system: ExternalSystem,
    private readonly requests: MetricsServiceCounter,
    private readonly duration: MetricsServiceHistogram,
    private readonly errors: MetricsServiceCounter,
    private readonly rateLimitWaits: MetricsServiceCounter,
    private readonly rateLimitWaitSeconds: MetricsServiceCounter,
  ) {}

  /** Records one HTTP call: its count, its latency and, when it failed, its status class. */
  call(call: ExternalCall) {
    const errorClass = errorClassOf(call);
    const attributes = { system: this.system, instance: call.instance };
    this.requests.add(1, {
      ...attributes,
      outcome: errorClass ? 'error' : 'success',
    });
    this.duration.record(Math.max(0, call.durationMs) / 1000, attributes);
    if (errorClass) {
      this.errors.add(1, { ...attributes, status_class: errorClass });
    }
  }

  /** Records a wait the system asked for (429 or Retry-After) before the client tries again. */
  rateLimitWait(instance: string, waitMs: number) {
    const attributes = { system: this.system, instance };
    this.rateLimitWaits.add(1, attributes);
    this.rateLimitWaitSeconds.add(Math.max(0, waitMs) / 1000, attributes);
  }

  /**
   * Times `fetch`-like `call` and records it: the status of its answer, or `timeout`/`network`
   * when it threw (an `AbortError`/`TimeoutError` is a timeout). The answer or error is passed on.
   */
  async time<T extends { status: number }>(
    instance: string,
    call: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      const response = await call();
      this.call({
        instance,
        status: response.status,
        durationMs: performance.now() - started,
      });
      return response;
    } catch (error) {
      this.call({
        instance,
        failure: isTimeout(error) ? 'timeout' : 'network',
        durationMs: performance.now() - started,
      });
      throw error;
    }
  }
}

function errorClassOf(call: ExternalCall): ExternalErrorClass | undefined {
  if (call.failure) return call.failure;
  if (call.status === undefined) return 'network';
  if (call.status >= 500) return '5xx';
  if (call.status >= 400) return '4xx';
  return undefined;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
