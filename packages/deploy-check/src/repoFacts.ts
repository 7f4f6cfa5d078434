import { ConfigReader, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { parse } from 'yaml';

/** Where the pipelines plugin reads its shutdown settings and falls back to its defaults. */
export const PIPELINES_PLUGIN_FILE = 'plugins/pipelines-backend/src/plugin.ts';

/** The pipelines engine's shutdown defaults, as its plugin's code has them. */
export type ShutdownDefaults = {
  /** `pipelines.shutdownGraceSeconds`: running jobs may finish this long. */
  shutdownGraceSeconds: number;
  /** `pipelines.killGracePeriodSeconds`: SIGTERM to SIGKILL of a cancelled step. */
  killGracePeriodSeconds: number;
};

function defaultsOf(source: string, key: string): number[] {
  const pattern = new RegExp(
    `getOptionalNumber\\(\\s*['"]${key}['"]\\s*\\)\\s*\\?\\?\\s*(\\d+(?:\\.\\d+)?)`,
    'g',
  );
  return [...source.matchAll(pattern)].map(match => Number(match[1]));
}

/** The text of the call's arguments: from after `(` to its matching `)`. */
function callArguments(source: string, call: string): string | undefined {
  const start = source.indexOf(call);
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + call.length - 1; i < source.length; i++) {
    if (source[i] === '(') depth++;
    if (source[i] === ')') depth--;
    if (depth === 0) return source.slice(start + call.length, i);
  }
  return undefined;
}

/**
 * Reads the engine's shutdown grace and the kill grace from the pipelines plugin's code (not a
 * copy of them), and that the shutdown hook really passes the former to `engine.stop`. Throws,
 * naming what changed, when the code no longer reads them the way this expects.
 */
export function readShutdownDefaults(pluginSource: string): ShutdownDefaults {
  const stopArguments = callArguments(pluginSource, 'engine.stop(');
  if (stopArguments === undefined) {
    throw new Error(
      `${PIPELINES_PLUGIN_FILE} no longer calls engine.stop(...); update deploy-check's reading of the shutdown grace`,
    );
  }
  if (!stopArguments.includes('shutdownGraceSeconds')) {
    throw new Error(
      `${PIPELINES_PLUGIN_FILE}: engine.stop(...) no longer gets pipelines.shutdownGraceSeconds; update deploy-check's reading of the shutdown grace`,
    );
  }
  const read = (key: string): number => {
    const values = [...new Set(defaultsOf(pluginSource, key))];
    if (values.length !== 1) {
      throw new Error(
        `${PIPELINES_PLUGIN_FILE}: expected one default for pipelines.${key} (getOptionalNumber('${key}') ?? N), found ${
          values.length === 0 ? 'none' : values.join(', ')
        }`,
      );
    }
    return values[0];
  };
  return {
    shutdownGraceSeconds: read('shutdownGraceSeconds'),
    killGracePeriodSeconds: read('killGracePeriodSeconds'),
  };
}

/** A `${VAR}` a config file reads, with the key it sets. */
export type EnvReference = { file: string; key: string; variable: string };

/** A config file as the pod loads it. */
export type PodConfigFile = { file: string; text: string };

const ENV_PATTERN = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function substitute(
  value: unknown,
  key: string,
  file: string,
  env: Map<string, string>,
  references: EnvReference[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_PATTERN, (whole, escape, variable) => {
      // $${VAR} is a literal ${VAR}, as in Backstage's config loader
      if (escape) return whole.slice(1);
      references.push({ file, key, variable });
      return env.get(variable) ?? '';
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      substitute(item, `${key}[${index}]`, file, env, references),
    );
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, child]) => [
        name,
        substitute(child, key ? `${key}.${name}` : name, file, env, references),
      ]),
    );
  }
  return value;
}

/**
 * The configuration a pod runs with: its config files merged in order, as Backstage merges
 * them, with `${VAR}` replaced from the pod's environment. Also returns every variable the
 * files read, so that the checks can tell which ones the pod does not set.
 */
export function loadPodConfig(
  files: PodConfigFile[],
  env: Map<string, string>,
): { config: ConfigReader; references: EnvReference[] } {
  const references: EnvReference[] = [];
  const configs = files.map(({ file, text }) => {
    let data: unknown;
    try {
      data = parse(text) ?? {};
    } catch (error) {
      throw new Error(`${file} is not valid YAML: ${error}`);
    }
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new Error(`${file} is not a YAML mapping`);
    }
    return {
      context: file,
      data: substitute(data, '', file, env, references) as Record<string, any>,
    };
  });
  return { config: ConfigReader.fromConfigs(configs), references };
}

/** A duration setting in seconds (0 when unset), in any form Backstage reads. */
export function durationSeconds(config: ConfigReader, key: string): number {
  if (!config.has(key)) return 0;
  return durationToMilliseconds(readDurationFromConfig(config, { key })) / 1000;
}

/** How long a pod's shutdown may take, from its config and the engine's defaults. */
export function shutdownSeconds(
  config: ConfigReader,
  defaults: ShutdownDefaults,
): {
  serverShutdownDelay: number;
  shutdownGraceSeconds: number;
  killGracePeriodSeconds: number;
  total: number;
} {
  const serverShutdownDelay = durationSeconds(
    config,
    'backend.lifecycle.serverShutdownDelay',
  );
  const shutdownGraceSeconds =
    config.getOptionalNumber('pipelines.shutdownGraceSeconds') ??
    defaults.shutdownGraceSeconds;
  const killGracePeriodSeconds =
    config.getOptionalNumber('pipelines.killGracePeriodSeconds') ??
    defaults.killGracePeriodSeconds;
  return {
    serverShutdownDelay,
    shutdownGraceSeconds,
    killGracePeriodSeconds,
    total: serverShutdownDelay + shutdownGraceSeconds + killGracePeriodSeconds,
  };
}
