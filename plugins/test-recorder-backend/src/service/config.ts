import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { SUITE_NAME_PATTERN } from '@internal/plugin-test-recorder-common';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readAllowedOrigins } from './origins';

export type TestRecorderSettings = {
  dataDir: string;
  allowedOrigins: string[];
  /** `host:port` of each allowed origin, for the sandbox's egress proxy. */
  allowedEgress: string[];
  testIdAttribute: string;
  maxConcurrentRuns: number;
  runTimeoutMs: number;
  stepTimeoutMs: number;
  retentionDays: number;
  chromiumPath?: string;
  ffmpegPath?: string;
  /** Whether this instance claims queued runs (`testRecorder.worker.enabled`). */
  worker: boolean;
  seedSuites: string[];
  recording: { maxPerUser?: number; maxTotal?: number; idleTimeoutMs?: number };
  configSecrets: (suiteName: string) => Record<string, string>;
  devices: string[];
  traceViewerDir?: string;
};

function positive(
  config: Config | undefined,
  key: string,
  fallback: number,
  max: number,
  options: { integer?: boolean } = {},
): number {
  const value = config?.getOptionalNumber(key);
  if (value === undefined) return fallback;
  if (
    !Number.isFinite(value) ||
    value <= 0 ||
    value > max ||
    (options.integer && !Number.isInteger(value))
  ) {
    throw new InputError(
      `testRecorder.${key}: ${value} must be ${
        options.integer ? 'a whole number' : 'a number'
      } above 0 and at most ${max}`,
    );
  }
  return value;
}

function optionalPositive(
  config: Config | undefined,
  key: string,
  max: number,
  options: { integer?: boolean } = {},
): number | undefined {
  return config?.getOptionalNumber(key) === undefined
    ? undefined
    : positive(config, key, 0, max, options);
}

/** Every `testRecorder.*` key, read and checked once at start-up. */
export function readTestRecorderConfig(root: Config): TestRecorderSettings {
  const config = root.getOptionalConfig('testRecorder');
  const allowedOrigins = readAllowedOrigins(
    config?.getOptionalStringArray('allowedOrigins') ?? [],
  );
  const allowedEgress = allowedOrigins.map(origin => {
    const url = new URL(origin);
    return `${url.hostname}:${
      url.port || (url.protocol === 'https:' ? '443' : '80')
    }`;
  });
  const testIdAttribute =
    config?.getOptionalString('testIdAttribute') ?? 'data-testid';
  if (!/^[a-zA-Z_][\w.:-]{0,63}$/.test(testIdAttribute)) {
    throw new InputError(
      `testRecorder.testIdAttribute: "${testIdAttribute}" is not an attribute name such as data-testid`,
    );
  }
  const secretsConfig = config?.getOptionalConfig('suites');
  const configSecrets = new Map<string, Record<string, string>>();
  for (const suite of secretsConfig?.keys() ?? []) {
    if (!SUITE_NAME_PATTERN.test(suite)) {
      throw new InputError(
        `testRecorder.suites.${suite}: "${suite}" is not a suite name (lower-case letters, digits and dashes)`,
      );
    }
    const secrets = secretsConfig!.getOptionalConfig(`${suite}.secrets`);
    const values: Record<string, string> = {};
    for (const name of secrets?.keys() ?? []) {
      if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(name)) {
        throw new InputError(
          `testRecorder.suites.${suite}.secrets.${name}: secret names are upper case, digits and underscores, e.g. ACCOUNT_PASSWORD`,
        );
      }
      values[name] = secrets!.getString(name);
    }
    configSecrets.set(suite, values);
  }
  const idleTimeoutMinutes = optionalPositive(
    config,
    'recording.idleTimeoutMinutes',
    24 * 60,
  );
  return {
    dataDir: path.resolve(
      config?.getOptionalString('dataDir') ??
        path.join(process.cwd(), '.data', 'test-recorder'),
    ),
    allowedOrigins,
    allowedEgress,
    testIdAttribute,
    maxConcurrentRuns: positive(config, 'maxConcurrentRuns', 2, 64, {
      integer: true,
    }),
    runTimeoutMs: positive(config, 'runTimeoutMinutes', 30, 24 * 60) * 60_000,
    stepTimeoutMs: positive(config, 'stepTimeoutMs', 15_000, 10 * 60_000),
    retentionDays: positive(config, 'retentionDays', 30, 3650),
    chromiumPath: config?.getOptionalString('chromiumPath'),
    ffmpegPath: config?.getOptionalString('ffmpegPath'),
    worker: config?.getOptionalBoolean('worker.enabled') ?? true,
    seedSuites: config?.getOptionalStringArray('seedSuites') ?? [],
    recording: {
      maxPerUser: optionalPositive(config, 'recording.maxPerUser', 100, {
        integer: true,
      }),
      maxTotal: optionalPositive(config, 'recording.maxTotal', 1000, {
        integer: true,
      }),
      idleTimeoutMs:
        idleTimeoutMinutes === undefined
          ? undefined
          : idleTimeoutMinutes * 60_000,
    },
    configSecrets: suite => ({ ...configSecrets.get(suite) }),
    devices: playwrightDevices(),
    traceViewerDir: traceViewerDir(),
  };
}

function playwrightDevices(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { devices } = require('playwright-core') as {
    devices: Record<string, unknown>;
  };
  return Object.keys(devices).sort();
}

/** Playwright's Trace Viewer build, served under `/trace-viewer`. */
export function traceViewerDir(): string | undefined {
  const dir = path.join(
    path.dirname(require.resolve('playwright-core/package.json')),
    'lib',
    'vite',
    'traceViewer',
  );
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}
