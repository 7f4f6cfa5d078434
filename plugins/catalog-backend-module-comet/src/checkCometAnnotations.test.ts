import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import {
  type AnnotationProblem,
  checkCometAnnotations,
} from './checkCometAnnotations';
import { ConfiguredInstances } from './ConfiguredInstances';

function component(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

/** Two instances of each family, one called default, as a multi-instance portal has them. */
const portal = ConfiguredInstances.fromConfig(
  new ConfigReader({
    jenkins: {
      instances: [
        {
          name: 'default',
          baseUrl: 'https://jenkins.example.com',
          username: 'comet',
          apiKey: 'jenkins-secret-key',
          allowedBaseUrlOverrideRegex: 'https://jenkins-[a-z]+\\.example\\.com',
        },
        {
          name: 'legacy',
          baseUrl: 'https://legacy-jenkins.example.com',
          username: 'comet',
          apiKey: 'jenkins-secret-key',
        },
      ],
    },
    sonarqube: {
      instances: [
        {
          name: 'default',
          baseUrl: 'https://sonar.example.com',
          apiKey: 'sonar-secret',
        },
        {
          name: 'sonarcloud',
          baseUrl: 'https://sonarcloud.example.com',
          apiKey: 'sonar-secret',
        },
      ],
    },
    jira: {
      instances: [
        {
          name: 'cloud',
          baseUrl: 'https://acme.example.com',
          email: 'bot@example.com',
          apiToken: 'jira-secret',
        },
        {
          name: 'jira-dc',
          baseUrl: 'https://jira.example.com',
          personalAccessToken: 'jira-secret',
        },
      ],
    },
    integrations: {
      github: [
        { host: 'github.com', token: 'gh-secret' },
        {
          host: 'ghe.example.com',
          apiBaseUrl: 'https://ghe.example.com/api/v3',
        },
      ],
    },
  }),
);

/** A portal where no Comet family is configured (GitHub still has github.com). */
const emptyPortal = ConfiguredInstances.fromConfig(new ConfigReader({}));

function check(
  annotations: Record<string, string>,
  instances = portal,
): AnnotationProblem[] {
  return checkCometAnnotations(component(annotations), instances);
}

function noSecrets(problems: AnnotationProblem[]) {
  const text = JSON.stringify(problems);
  for (const secret of [
    'jenkins-secret-key',
    'sonar-secret',
    'jira-secret',
    'gh-secret',
  ]) {
    expect(text).not.toContain(secret);
  }
}

describe('checkCometAnnotations', () => {
  it('finds nothing wrong with correct annotations on every family', () => {
    expect(
      check({
        'jenkins.io/job-full-name': 'payments/payments-api,default:old/job',
        'jenkins.io/override-base-url': 'https://jenkins-eu.example.com/',
        'sonarqube.org/project-key': 'acme_payments-api,sonarcloud/acme_x',
        'jira/project-key': 'cloud/PAY,jira-dc/OPS',
        'jira/component': 'Backend',
        'github.com/project-slug': 'comet-examples/payments-api',
        'comet.dev/pipelines': '.comet/pipeline.yaml, ci/release.yaml',
        'comet.dev/test-suites': 'storefront-checkout storefront-search',
        'comet.dev/jira-bug-on-failure': 'true',
      }),
    ).toEqual([]);
    expect(check({})).toEqual([]);
  });

  describe('jenkins.io/job-full-name', () => {
    it('reports bad syntax with the parser of the Jenkins tab', () => {
      const problems = check({ 'jenkins.io/job-full-name': 'payments/../x' });
      expect(problems).toEqual([
        {
          annotation: 'jenkins.io/job-full-name',
          value: 'payments/../x',
          level: 'error',
          message:
            'component:default/payments-api: The jenkins.io/job-full-name entry "payments/../x" is not a valid job: the job name contains "." or ".." segments',
        },
      ]);
    });

    it('reports an instance this portal does not have, naming the configured ones', () => {
      const problems = check({
        'jenkins.io/job-full-name': 'payments/api,ci-eu:payments/api',
      });
      expect(problems).toHaveLength(1);
      expect(problems[0].level).toBe('error');
      expect(problems[0].message).toBe(
        'component:default/payments-api: The jenkins.io/job-full-name entry "ci-eu:payments/api" cannot be used: Unknown Jenkins instance "ci-eu" (from jenkins.io/job-full-name); jenkins.instances has "default", "legacy"',
      );
      noSecrets(problems);
    });

    it('reports a job without instance when several are configured and none is default', () => {
      const instances = new ConfiguredInstances({
        jenkins: [{ name: 'eu' }, { name: 'us' }],
      });
      const [problem] = check(
        { 'jenkins.io/job-full-name': 'payments/api' },
        instances,
      );
      expect(problem.message).toContain(
        'names no Jenkins instance, and jenkins.instances has several ("eu", "us") with none called "default"',
      );
    });

    it('only warns when Jenkins is not configured on this portal', () => {
      expect(
        check({ 'jenkins.io/job-full-name': 'payments/api' }, emptyPortal),
      ).toEqual([
        expect.objectContaining({
          level: 'warning',
          message: expect.stringContaining(
            'Jenkins is not configured on this portal (jenkins.instances is empty)',
          ),
        }),
      ]);
    });

    it('checks jenkins.io/override-base-url against each used instance', () => {
      expect(
        check({
          'jenkins.io/job-full-name': 'payments/api,legacy:x/y',
          'jenkins.io/override-base-url': 'https://evil.example.org',
        }).map(p => p.message),
      ).toEqual([
        expect.stringContaining(
          'jenkins.io/override-base-url "https://evil.example.org" is not allowed by allowedBaseUrlOverrideRegex of Jenkins instance "default" (which allows ^(?:https:\\/\\/jenkins-[a-z]+\\.example\\.com)$)',
        ),
        expect.stringContaining(
          'of Jenkins instance "legacy" (which sets none, so no override is allowed)',
        ),
      ]);
      expect(
        check({
          'jenkins.io/job-full-name': 'payments/api',
          'jenkins.io/override-base-url': 'not a url',
        })[0].message,
      ).toContain('"not a url", which is not an http(s) URL');
      expect(
        check({ 'jenkins.io/override-base-url': 'https://x.example.com' }),
      ).toEqual([
        expect.objectContaining({
          annotation: 'jenkins.io/override-base-url',
          level: 'warning',
        }),
      ]);
    });
  });

  describe('sonarqube.org/project-key', () => {
    it('reports bad syntax with the parser of the SonarQube tab', () => {
      expect(check({ 'sonarqube.org/project-key': 'a/b/c' })).toEqual([
        expect.objectContaining({
          annotation: 'sonarqube.org/project-key',
          value: 'a/b/c',
          level: 'error',
          message: expect.stringContaining('has more than one "/"'),
        }),
      ]);
      expect(check({ 'sonarqube.org/project-key': '' })[0].message).toContain(
        'is empty',
      );
    });

    it('reports an unknown instance', () => {
      const problems = check({
        'sonarqube.org/project-key': 'acme_x,sonarqube-eu/acme_y',
      });
      expect(problems.map(p => p.message)).toEqual([
        'component:default/payments-api: The sonarqube.org/project-key project "sonarqube-eu/acme_y" cannot be used: Unknown SonarQube instance "sonarqube-eu" (from sonarqube.org/project-key); sonarqube.instances has "default", "sonarcloud"',
      ]);
      noSecrets(problems);
    });

    it('only warns when SonarQube is not configured', () => {
      expect(
        check({ 'sonarqube.org/project-key': 'acme_x' }, emptyPortal)[0].level,
      ).toBe('warning');
    });
  });

  describe('jira annotations', () => {
    it('reports bad project keys with the parser of the Jira tab', () => {
      expect(check({ 'jira/project-key': 'cloud/pay' })).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringContaining(
            'has the project key "pay", which is not a Jira project key',
          ),
        }),
      ]);
    });

    it('reports the default instance when there is none', () => {
      const [problem] = check({ 'jira/project-key': 'PAY' });
      expect(problem.message).toContain(
        'The jira/project-key project "PAY" cannot be used: jira/project-key names no Jira instance, and jira.instances has several ("cloud", "jira-dc") with none called "default"',
      );
    });

    it('reports an unknown instance and warns without Jira', () => {
      expect(check({ 'jira/project-key': 'dc2/PAY' })[0].message).toContain(
        'Unknown Jira instance "dc2"',
      );
      expect(
        check({ 'jira/project-key': 'PAY' }, emptyPortal)[0],
      ).toMatchObject({
        level: 'warning',
        message: expect.stringContaining('(jira.instances is empty)'),
      });
    });

    it('reports narrowing annotations and bug filing without a project', () => {
      const problems = check({
        'jira/component': 'Backend',
        'jira/label': ' ',
        'jira/all-issues-jql': 'project = {{project}}',
        'comet.dev/jira-bug-on-failure': 'true',
      });
      expect(problems.map(p => [p.annotation, p.level])).toEqual([
        ['jira/component', 'error'],
        ['jira/all-issues-jql', 'error'],
        ['comet.dev/jira-bug-on-failure', 'error'],
      ]);
      expect(problems[0].message).toBe(
        'component:default/payments-api: jira/component is "Backend", but the entity has no jira/project-key, which it narrows; add one, e.g. jira/project-key: PAY',
      );
      expect(check({ 'comet.dev/jira-bug-on-failure': 'false' })).toEqual([]);
    });
  });

  describe('github.com/project-slug', () => {
    it('reports a slug that is not owner/repo', () => {
      expect(check({ 'github.com/project-slug': 'just-a-name' })).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringContaining(
            'The annotation github.com/project-slug is "just-a-name", which is not a GitHub repository; expected owner/repo',
          ),
        }),
      ]);
    });

    it('reports a GitHub Enterprise host without an integration', () => {
      const annotations = {
        'github.com/project-slug': 'acme/payments',
        'backstage.io/source-location':
          'url:https://ghe.other.example.com/acme/payments/tree/main/',
      };
      const [problem] = check(annotations);
      expect(problem.message).toBe(
        'component:default/payments-api: github.com/project-slug "acme/payments" is on the host ghe.other.example.com (from backstage.io/source-location), which has no GitHub integration on this portal; integrations.github has "github.com", "ghe.example.com": add one with host ghe.other.example.com to reach acme/payments',
      );
      expect(
        check({
          ...annotations,
          'backstage.io/source-location':
            'url:https://ghe.example.com/acme/payments/tree/main/',
        }),
      ).toEqual([]);
    });
  });

  describe('comet.dev/pipelines', () => {
    it('accepts the default and relative paths', () => {
      expect(check({ 'comet.dev/pipelines': '' })).toEqual([]);
      expect(check({ 'comet.dev/pipelines': 'a.yaml,b/c.yaml' })).toEqual([]);
    });

    it('reports paths the pipelines backend would refuse', () => {
      expect(
        check({
          'comet.dev/pipelines': '/etc/pipeline.yaml, ../other/p.yaml, ok.yaml',
        }).map(p => p.message),
      ).toEqual([
        'component:default/payments-api: The comet.dev/pipelines path "/etc/pipeline.yaml" is absolute; write it relative to the repository root',
        'component:default/payments-api: The comet.dev/pipelines path "../other/p.yaml" contains ".."; pipeline files must be inside the repository',
      ]);
      expect(
        check({ 'comet.dev/pipelines': 'a\u0007.yaml' })[0].message,
      ).toContain('contains a control character');
      expect(check({ 'comet.dev/pipelines': ' , ' })[0].message).toContain(
        'which lists no path',
      );
    });
  });

  describe('comet.dev/test-suites', () => {
    it('reports a name that is not a suite name', () => {
      expect(check({ 'comet.dev/test-suites': 'checkout, Bad_Name' })).toEqual([
        {
          annotation: 'comet.dev/test-suites',
          value: 'checkout, Bad_Name',
          level: 'error',
          message:
            'component:default/payments-api: comet.dev/test-suites: "Bad_Name" is not a suite name (lower-case letters, digits and dashes)',
        },
      ]);
    });
  });

  it('skips instance checks of a family whose config cannot be read, and says so', () => {
    const warn = jest.fn();
    const instances = ConfiguredInstances.fromConfig(
      new ConfigReader({
        jenkins: { instances: [{ name: 'x', baseUrl: 'not a url' }] },
      }),
      { logger: { warn } as any },
    );
    expect(instances.families.jenkins).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'the Jenkins config cannot be read, so Jenkins instance names are not checked',
      ),
    );
    expect(
      check({ 'jenkins.io/job-full-name': 'nowhere:a/b' }, instances),
    ).toEqual([]);
    expect(check({ 'jenkins.io/job-full-name': ':a/b' }, instances)).toEqual([
      expect.objectContaining({ level: 'error' }),
    ]);
  });
});
