import type { Config } from '@backstage/config';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The Prometheus exporter's registered default port. */
export const DEFAULT_METRICS_PORT = 9464;

export type MetricsSettings = {
  enabled: boolean;
  port: number;
  /** The interface to bind; undefined is every interface. */
  host?: string;
  /** Where the port came from, for messages: the config key or the variable. */
  portSource: string;
};

/**
 * `comet.metrics` with `COMET_METRICS_PORT` over `comet.metrics.port` (so two replicas on one
 * machine can each have their own). The host defaults to the backend's own listen host, so a
 * loopback-only portal does not expose its metrics to the network.
 */
export function readMetricsSettings(
  config: Config,
  env: NodeJS.ProcessEnv,
  backendHost: string | undefined,
): MetricsSettings {
  const enabled = config.getOptionalBoolean('comet.metrics.enabled') ?? true;
  const fromEnv = env.COMET_METRICS_PORT?.trim();
  let port = config.getOptionalNumber('comet.metrics.port');
  let portSource = 'comet.metrics.port';
  if (fromEnv) {
    port = Number(fromEnv);
    portSource = 'COMET_METRICS_PORT';
  }
  port ??= DEFAULT_METRICS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `${portSource} must be a port number between 0 and 65535, got ${JSON.stringify(
        fromEnv ?? port,
      )}`,
    );
  }
  const host = config.getOptionalString('comet.metrics.host') ?? backendHost;
  return { enabled, port, host: host || undefined, portSource };
}

export type PrometheusMetricsServerOptions = {
  port: number;
  host?: string;
  /**
   * Registers the meter provider as OpenTelemetry's global one, which Backstage's metrics
   * service reads. Only the backend's entry point does this, once per process.
   */
  registerGlobal?: boolean;
};

/**
 * OpenTelemetry metrics in Prometheus's text format at `GET /metrics` on their own port:
 * every instrument created through Backstage's metrics service (`metricsServiceRef`), which
 * uses OpenTelemetry's global meter provider. It is set here, before the backend creates its
 * plugins, since the OpenTelemetry API binds an instrument to the provider of the moment.
 */
export class PrometheusMetricsServer {
  /** Starts listening; rejects (with the system error, e.g. EADDRINUSE) if it cannot. */
  static async start(
    options: PrometheusMetricsServerOptions,
  ): Promise<PrometheusMetricsServer> {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'comet' }),
      readers: [exporter],
    });
    const server = http.createServer((req, res) => {
      const pathname = (req.url ?? '').split('?')[0];
      if (pathname === '/metrics' && (req.method === 'GET' || !req.method)) {
        exporter.getMetricsRequestHandler(req, res);
        return;
      }
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end('Comet serves its metrics at /metrics\n');
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: options.port, host: options.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await provider.shutdown().catch(() => undefined);
      throw error;
    }
    server.unref();
    if (options.registerGlobal) {
      metrics.setGlobalMeterProvider(provider);
    }
    return new PrometheusMetricsServer(server, provider);
  }

  private constructor(
    private readonly server: http.Server,
    /** The meter provider whose instruments are served. */
    readonly meterProvider: MeterProvider,
  ) {}

  /** The port it listens on (the one given, or the one the system chose for port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server.close(() => resolve()));
    await this.meterProvider.shutdown();
  }
}

/**
 * Starts the metrics endpoint for the backend from its settings. A port that cannot be bound
 * (another replica or program has it) turns metrics off with a warning instead of stopping
 * the portal. Resolves with the server, or undefined when metrics are off.
 */
export async function startMetricsEndpoint(
  settings: MetricsSettings,
  warn: (message: string) => void,
): Promise<PrometheusMetricsServer | undefined> {
  if (!settings.enabled) return undefined;
  try {
    return await PrometheusMetricsServer.start({
      port: settings.port,
      host: settings.host,
      registerGlobal: true,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? `port ${settings.port} is already in use (another Comet replica on this machine?)`
        : `cannot listen on port ${settings.port}: ${error}`;
    warn(
      `Comet: metrics are off: ${why}. Set ${
        settings.portSource === 'COMET_METRICS_PORT'
          ? 'COMET_METRICS_PORT'
          : 'COMET_METRICS_PORT or comet.metrics.port'
      } to a free port, or comet.metrics.enabled: false to silence this.`,
    );
    return undefined;
  }
}
