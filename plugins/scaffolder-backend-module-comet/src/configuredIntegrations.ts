import type { Config } from '@backstage/config';

/** Which of the golden path's integrations the portal's config turns on. */
export type ConfiguredIntegrations = {
  jenkins: boolean;
  sonarqube: boolean;
  jira: boolean;
  github: boolean;
  testRecorder: boolean;
  /** One sentence for each integration that is off: what to set, and what the template skips. */
  skipped: string[];
};

function hasInstances(config: Config, family: string): boolean {
  return (
    (config.getOptionalConfigArray(`${family}.instances`)?.length ?? 0) > 0 ||
    config.has(`${family}.baseUrl`)
  );
}

/**
 * The integrations a template can use, from config alone (no call to any of them): Jenkins,
 * SonarQube and Jira each need an instance (`<family>.instances`, or the single-instance
 * `<family>.baseUrl`); GitHub needs an `integrations.github` entry with a token or an app (the
 * entry Backstage adds for github.com by itself has neither). The test recorder has no switch of
 * its own: its template step calls its actions, which answer only when
 * `backend.actions.pluginSources` is unset or lists `test-recorder`.
 */
export function readConfiguredIntegrations(
  config: Config,
): ConfiguredIntegrations {
  const jenkins = hasInstances(config, 'jenkins');
  const sonarqube = hasInstances(config, 'sonarqube');
  const jira = hasInstances(config, 'jira');
  const github = (
    config.getOptionalConfigArray('integrations.github') ?? []
  ).some(
    entry =>
      entry.has('token') ||
      (entry.getOptionalConfigArray('apps')?.length ?? 0) > 0,
  );
  const pluginSources = config.getOptionalStringArray(
    'backend.actions.pluginSources',
  );
  const testRecorder =
    pluginSources === undefined || pluginSources.includes('test-recorder');

  const skipped: string[] = [];
  if (!jenkins) {
    skipped.push(
      'Jenkins: not configured (set jenkins.instances), its steps are skipped',
    );
  }
  if (!sonarqube) {
    skipped.push(
      'SonarQube: not configured (set sonarqube.instances), its steps are skipped',
    );
  }
  if (!jira) {
    skipped.push(
      'Jira: not configured (set jira.instances), its steps are skipped',
    );
  }
  if (!github) {
    skipped.push(
      'GitHub: not configured (set integrations.github with a token or an app), the repository is served by the portal instead',
    );
  }
  if (!testRecorder) {
    skipped.push(
      'Test recorder: its actions are off (add test-recorder to backend.actions.pluginSources), the starter test suite is skipped',
    );
  }
  return { jenkins, sonarqube, jira, github, testRecorder, skipped };
}
