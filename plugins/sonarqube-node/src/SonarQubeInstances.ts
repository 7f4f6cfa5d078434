import type { Config } from '@backstage/config';
import { selectInstance } from '@internal/backend-common';
import {
  ANNOTATION_SONARQUBE_PROJECT_KEY,
  SONARQUBE_CONFIG_KEY,
} from '@internal/plugin-sonarqube-common';

/** One configured SonarQube or SonarCloud. `apiKey` and `webhookSecret` stay in the backend. */
export type SonarQubeInstanceConfig = {
  name: string;
  baseUrl: string;
  externalBaseUrl: string;
  apiKey: string;
  organization?: string;
  tokenKind: 'Basic' | 'Bearer';
  webhookSecret?: string;
};

/** What may be shown about an instance: no credentials. */
export type SonarQubeInstanceInfo = {
  name: string;
  externalBaseUrl: string;
  organization?: string;
};

function trimSlash(url: string) {
  return url.replace(/\/+$/, '');
}

/** The configured instances (`sonarqube.instances[]`, or the single-instance shorthand). */
export class SonarQubeInstances {
  static fromConfig(config: Config): SonarQubeInstances {
    const root = config.getOptionalConfig('sonarqube');
    const instances: SonarQubeInstanceConfig[] = [];
    const read = (c: Config, name: string): SonarQubeInstanceConfig => {
      const baseUrl = trimSlash(c.getString('baseUrl'));
      const tokenKind = c.getOptionalString('tokenKind') ?? 'Basic';
      if (tokenKind !== 'Basic' && tokenKind !== 'Bearer') {
        throw new Error(
          `Invalid tokenKind "${tokenKind}" for SonarQube instance "${name}"; expected Basic or Bearer`,
        );
      }
      return {
        name,
        baseUrl,
        externalBaseUrl: trimSlash(
          c.getOptionalString('externalBaseUrl') ?? baseUrl,
        ),
        apiKey: c.getString('apiKey'),
        organization: c.getOptionalString('organization'),
        tokenKind,
        webhookSecret: c.getOptionalString('webhookSecret'),
      };
    };
    if (root?.has('baseUrl')) {
      instances.push(read(root, 'default'));
    }
    for (const c of root?.getOptionalConfigArray('instances') ?? []) {
      const name = c.getString('name');
      if (instances.some(i => i.name === name)) {
        throw new Error(
          `SonarQube instance "${name}" is configured twice (${SONARQUBE_CONFIG_KEY})`,
        );
      }
      instances.push(read(c, name));
    }
    return new SonarQubeInstances(instances);
  }

  constructor(private readonly instances: SonarQubeInstanceConfig[]) {}

  get configured(): boolean {
    return this.instances.length > 0;
  }

  list(): SonarQubeInstanceInfo[] {
    return this.instances.map(i => ({
      name: i.name,
      externalBaseUrl: i.externalBaseUrl,
      organization: i.organization,
    }));
  }

  /**
   * The named instance, or the default one: the instance called `default`, else the only one.
   * With several and none called `default`, an InputError says to name one in the annotation.
   */
  get(name?: string): SonarQubeInstanceConfig {
    return selectInstance(this.instances, name, {
      system: 'SonarQube',
      configKey: SONARQUBE_CONFIG_KEY,
      annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
    });
  }
}
