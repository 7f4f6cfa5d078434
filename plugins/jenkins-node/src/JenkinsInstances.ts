import type { Config } from '@backstage/config';
import { selectInstance } from '@internal/backend-common';
import {
  JENKINS_ANNOTATION,
  JENKINS_CONFIG_KEY,
} from '@internal/plugin-jenkins-common';

/** One configured Jenkins instance. `apiKey` must never leave this backend. */
export type JenkinsInstance = {
  name: string;
  /** Without a trailing slash. */
  baseUrl: string;
  username: string;
  apiKey: string;
  projectCountLimit: number;
  allowedBaseUrlOverride?: RegExp;
  extraRequestHeaders: Record<string, string>;
  crumbIssuer: boolean;
};

function readInstance(
  config: Config,
  name: string,
  where: string,
): JenkinsInstance {
  const baseUrl = config.getString('baseUrl').replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(`${where}.baseUrl "${baseUrl}" is not a URL`);
  }
  if (
    !/^https?:$/.test(parsed.protocol) ||
    parsed.username ||
    parsed.password
  ) {
    throw new Error(
      `${where}.baseUrl must be an http(s) URL without credentials (put them in username and apiKey)`,
    );
  }
  const regex = config.getOptionalString('allowedBaseUrlOverrideRegex');
  const headersConfig = config.getOptionalConfig('extraRequestHeaders');
  const extraRequestHeaders: Record<string, string> = {};
  for (const key of headersConfig?.keys() ?? []) {
    extraRequestHeaders[key] = headersConfig!.getString(key);
  }
  return {
    name,
    baseUrl,
    username: config.getString('username'),
    apiKey: config.getString('apiKey'),
    projectCountLimit: config.getOptionalNumber('projectCountLimit') ?? 50,
    allowedBaseUrlOverride: regex ? new RegExp(`^(?:${regex})$`) : undefined,
    extraRequestHeaders,
    crumbIssuer: config.getOptionalBoolean('crumbIssuer') ?? true,
  };
}

/**
 * Reads `jenkins.instances[]` and the single-instance shorthand (`jenkins.baseUrl`, …, the
 * instance `default`), as the community plugin does, so existing configs carry over.
 */
export function readJenkinsInstances(config: Config): JenkinsInstance[] {
  const jenkins = config.getOptionalConfig('jenkins');
  if (!jenkins) return [];
  const instances: JenkinsInstance[] = [];
  const list = jenkins.getOptionalConfigArray('instances') ?? [];
  list.forEach((instance, index) => {
    const name = instance.getString('name');
    instances.push(
      readInstance(instance, name, `${JENKINS_CONFIG_KEY}[${index}]`),
    );
  });
  if (jenkins.has('baseUrl')) {
    if (instances.some(i => i.name === 'default')) {
      throw new Error(
        'jenkins.baseUrl (the shorthand for the instance "default") and an instance named "default" in jenkins.instances are both set; keep one',
      );
    }
    instances.push(readInstance(jenkins, 'default', 'jenkins'));
  }
  const names = new Set<string>();
  for (const instance of instances) {
    if (names.has(instance.name)) {
      throw new Error(
        `jenkins.instances has two instances named "${instance.name}"`,
      );
    }
    names.add(instance.name);
  }
  return instances;
}

/**
 * The instance a job reference uses: the named one, or without a name the instance called
 * `default`, else the only one. With several and none called `default`, an InputError says to
 * name one in `jenkins.io/job-full-name`.
 */
export function selectJenkinsInstance(
  instances: readonly JenkinsInstance[],
  name: string | undefined,
): JenkinsInstance {
  return selectInstance(instances, name, {
    system: 'Jenkins',
    configKey: JENKINS_CONFIG_KEY,
    annotation: JENKINS_ANNOTATION,
  });
}
