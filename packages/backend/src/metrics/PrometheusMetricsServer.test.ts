import { ConfigReader } from '@backstage/config';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import { ExternalApiMetrics } from '@internal/backend-common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_METRICS_PORT,
  PrometheusMetricsServer,
  readMetricsSettings,
  startMetricsEndpoint,
} from './PrometheusMetricsServer';

describe('readMetricsSettings', () => {
  it('is on at 9464 on the backend host by default', () => {
    expect(readMetricsSettings(new ConfigReader({}), {}, '127.0.0.1')).toEqual({
      enabled: true,
      port: DEFAULT_METRICS_PORT,
      host: '127.0.0.1',
      portSource: 'comet.metrics.port',
    });
  });

  it('takes COMET_METRICS_PORT over comet.metrics.port, and comet.metrics.host', () => {
    const config = new ConfigReader({
      comet: { metrics: { port: 9500, host: '0.0.0.0' } },
    });
    expect(readMetricsSettings(config, {}, '127.0.0.1')).toMatchObject({
      port: 9500,
      host: '0.0.0.0',
    });
    expect(
      readMetricsSettings(config, { COMET_METRICS_PORT: '9601' }, undefined),
    ).toMatchObject({ port: 9601, portSource: 'COMET_METRICS_PORT' });
  });

  it('names the variable when its port is not a port', () => {
    expect(() =>
      readMetricsSettings(
        new ConfigReader({}),
        { COMET_METRICS_PORT: 'ninety' },
        undefined,
      ),
    ).toThrow(
      'COMET_METRICS_PORT must be a port number between 0 and 65535, got "ninety"',
    );
    expect(() =>
      readMetricsSettings(
        new ConfigReader({ comet: { metrics: { port: 70000 } } }),
        {},
        undefined,
      ),
    ).toThrow('comet.metrics.port must be a port number');
  });

  it('can be turned off', () => {
    expect(
      readMetricsSettings(
        new ConfigReader({ comet: { metrics: { enabled: false } } }),
        {},
        undefined,
      ).enabled,
    ).toBe(false);
  });
});

describe('PrometheusMetricsServer', () => {
  let server: PrometheusMetricsServer;

  beforeEach(async () => {
    server = await PrometheusMetricsServer.start({
      port: 0,
      host: '127.0.0.1',
    });
  });

  afterEach(async () => {
    await server.stop();
  });

  it('serves what the instruments recorded at /metrics over HTTP, in Prometheus names', async () => {
    const metrics = server.meterProvider.getMeter(
      'backstage-plugin-jenkins',
    ) as unknown as MetricsService;
    const jenkins = ExternalApiMetrics.create(metrics, 'jenkins');
    jenkins.call({ instance: 'default', status: 200, durationMs: 80 });
    jenkins.call({ instance: 'default', status: 502, durationMs: 20 });
    jenkins.rateLimitWait('default', 2000);

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE comet_external_requests_total counter');
    expect(text).toMatch(
      /comet_external_requests_total\{system="jenkins",instance="default",outcome="success",otel_scope_name="backstage-plugin-jenkins"[^}]*\} 1\b/,
    );
    expect(text).toMatch(
      /comet_external_errors_total\{system="jenkins",instance="default",status_class="5xx"[^}]*\} 1\b/,
    );
    expect(text).toMatch(
      /comet_external_rate_limit_wait_seconds_total\{[^}]*\} 2\b/,
    );
    expect(text).toMatch(
      /comet_external_request_duration_seconds_bucket\{system="jenkins",instance="default",[^}]*le="0.1"\} 2\b/,
    );
    expect(text).toMatch(
      /comet_external_request_duration_seconds_count\{[^}]*\} 2\b/,
    );
  });

  it('answers 404 elsewhere', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/other`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('/metrics');
  });
});

describe('startMetricsEndpoint', () => {
  it('warns and leaves metrics off when the port is in use, without failing', async () => {
    const blocker = http.createServer();
    await new Promise<void>(resolve =>
      blocker.listen(0, '127.0.0.1', () => resolve()),
    );
    const port = (blocker.address() as AddressInfo).port;
    const warnings: string[] = [];
    try {
      const endpoint = await startMetricsEndpoint(
        {
          enabled: true,
          port,
          host: '127.0.0.1',
          portSource: 'COMET_METRICS_PORT',
        },
        message => warnings.push(message),
      );
      expect(endpoint).toBeUndefined();
      expect(warnings).toEqual([
        `Comet: metrics are off: port ${port} is already in use (another Comet replica on this machine?). Set COMET_METRICS_PORT to a free port, or comet.metrics.enabled: false to silence this.`,
      ]);
    } finally {
      await new Promise(resolve => blocker.close(resolve));
    }
  });

  it('starts nothing when metrics are off', async () => {
    const warn = jest.fn();
    await expect(
      startMetricsEndpoint(
        { enabled: false, port: 0, portSource: 'comet.metrics.port' },
        warn,
      ),
    ).resolves.toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });
});
