import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { readJenkinsInstances } from '@internal/plugin-jenkins-node';
import { JiraInstances } from '@internal/plugin-jira-node';
import { SonarQubeInstances } from '@internal/plugin-sonarqube-node';

/** A configured instance as the checks need it: its name, never its credentials. */
export type InstanceName = { name: string };

/** A Jenkins instance: its name and which `jenkins.io/override-base-url` values it allows. */
export type JenkinsInstanceName = InstanceName & {
  allowedBaseUrlOverride?: RegExp;
};

/**
 * The instances each family has on this portal, read with the family's own config reader
 * (`readJenkinsInstances`, `SonarQubeInstances`, `JiraInstances`, Backstage's
 * `integrations.github`), so the checks accept exactly what the tabs accept. A family whose
 * config cannot be read is `undefined`: its own plugin refuses to start with that error, and
 * the checks of its annotations stop at the syntax.
 */
export class ConfiguredInstances {
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService } = {},
  ): ConfiguredInstances {
    const read = <T>(family: string, reader: () => T): T | undefined => {
      try {
        return reader();
      } catch (error) {
        options.logger?.warn(
          `Comet annotation checks: the ${family} config cannot be read, so ${family} instance names are not checked: ${
            (error as Error).message
          }`,
        );
        return undefined;
      }
    };
    return new ConfiguredInstances({
      jenkins: read('Jenkins', () =>
        readJenkinsInstances(config).map(instance => ({
          name: instance.name,
          allowedBaseUrlOverride: instance.allowedBaseUrlOverride,
        })),
      ),
      sonarqube: read('SonarQube', () =>
        SonarQubeInstances.fromConfig(config)
          .list()
          .map(instance => ({ name: instance.name })),
      ),
      jira: read('Jira', () =>
        JiraInstances.fromConfig(config)
          .list()
          .map(instance => ({ name: instance.name })),
      ),
      githubHosts: read('GitHub', () =>
        ScmIntegrations.fromConfig(config)
          .github.list()
          .map(integration => integration.config.host),
      ),
    });
  }

  constructor(
    readonly families: {
      jenkins?: JenkinsInstanceName[];
      sonarqube?: InstanceName[];
      jira?: InstanceName[];
      /** The hosts of `integrations.github` (github.com is always one). */
      githubHosts?: string[];
    },
  ) {}
}
