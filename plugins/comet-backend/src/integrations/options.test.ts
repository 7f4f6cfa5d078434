/*
 * `GET /integrations/options` with the families' list actions (jenkins:search-jobs,
 * sonarqube:search-projects, jira:list-projects) registered as stand-ins with their real ids
 * and input schemas: the Jira project, Jenkins job and SonarQube project fields become lists.
 */
import { NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import {
  ADA,
  BOB,
  ROOT,
  startIntegrationsBackend,
} from './__testUtils__/integrationsTestBackend';

jest.setTimeout(60_000);

const FAMILIES = ['test-recorder', 'github', 'jenkins', 'sonarqube', 'jira'];

describe('the Integrations choices from the families’ live lists', () => {
  it('lists Jira projects, Jenkins jobs and SonarQube projects read as the caller, values as the annotations write them', async () => {
    const fixture = await startIntegrationsBackend({ installed: FAMILIES });
    try {
      const res = await fixture.options(ADA);
      expect(res.status).toBe(200);
      const { fields } = res.body;
      expect(fields['jira/project-key']).toEqual({
        input: 'list',
        values: [{ value: 'PAY', label: 'Payments (PAY)' }],
        hint: 'Jira project keys, comma-separated, e.g. PAY, or instance/KEY (instances: default)',
      });
      expect(fields['jenkins.io/job-full-name']).toEqual({
        input: 'list',
        values: [
          { value: 'payments/payments-api', label: 'payments/payments-api' },
        ],
        hint: '[instance:]folder/job, comma-separated (instances: default)',
      });
      expect(fields['sonarqube.org/project-key']).toEqual({
        input: 'list',
        values: [
          {
            value: 'comet-examples_payments-api',
            label: 'Payments API (comet-examples_payments-api)',
          },
        ],
        hint: '[instance/]key, comma-separated (instances: default)',
      });
      // Each list was asked for once, as Ada, so the families' scopes are hers
      for (const actionId of [
        'jira:list-projects',
        'jenkins:search-jobs',
        'sonarqube:search-projects',
      ]) {
        expect(
          fixture.invocations.filter(i => i.actionId === actionId),
        ).toEqual([{ actionId, user: ADA, input: { limit: 100 } }]);
      }

      // Those who may not change the wiring get no list, and no family is asked
      fixture.invocations.length = 0;
      expect((await fixture.options(BOB)).status).toBe(403);
      expect(fixture.invocations).toEqual([]);
      // An administrator gets them as themselves
      expect((await fixture.options(ROOT)).status).toBe(200);
      expect(
        fixture.invocations.map(i => `${i.actionId} ${i.user}`).sort(),
      ).toEqual([
        `jenkins:search-jobs ${ROOT}`,
        `jira:list-projects ${ROOT}`,
        `sonarqube:search-projects ${ROOT}`,
        `test-recorder:list-suites ${ROOT}`,
      ]);
    } finally {
      await fixture.stop();
    }
  });

  it('says when a list is cut short or an instance failed, and falls back to typing when the list cannot be read', async () => {
    const fixture = await startIntegrationsBackend({ installed: FAMILIES });
    try {
      fixture.listAnswers.set('jenkins:search-jobs', {
        jobs: [
          {
            fullName: 'payments/payments-api',
            url: 'http://jenkins.invalid/job/payments/job/payments-api/',
            instance: 'legacy',
            ref: 'legacy:payments/payments-api',
          },
        ],
        truncated: true,
        errors: [
          {
            instance: 'down',
            message: 'Jenkins instance "down" is unreachable',
          },
        ],
      });
      fixture.listAnswers.set(
        'sonarqube:search-projects',
        new ServiceUnavailableError(
          'SonarQube instance "default": GET api/projects/search failed with 502',
        ),
      );
      fixture.listAnswers.set(
        'jira:list-projects',
        new NotAllowedError('Listing Jira projects is for signed-in users'),
      );
      const { fields } = (await fixture.options(ADA)).body;
      expect(fields['jenkins.io/job-full-name']).toEqual({
        input: 'list',
        values: [
          {
            value: 'legacy:payments/payments-api',
            label: 'legacy:payments/payments-api',
          },
        ],
        hint: '[instance:]folder/job, comma-separated (instances: default); the first 100 are listed, type any other',
        error: 'down: Jenkins instance "down" is unreachable',
      });
      expect(fields['sonarqube.org/project-key']).toMatchObject({
        input: 'text',
        values: [],
        error: expect.stringContaining(
          'SonarQube instance "default": GET api/projects/search failed with 502',
        ),
      });
      expect(fields['sonarqube.org/project-key'].error).toContain(
        'sonarqube:search-projects',
      );
      expect(fields['jira/project-key']).toMatchObject({
        input: 'text',
        error: expect.stringContaining(
          'Listing Jira projects is for signed-in users',
        ),
      });
    } finally {
      await fixture.stop();
    }
  });

  it('asks for typed values, saying which action is missing, when a family offers no list', async () => {
    const fixture = await startIntegrationsBackend({
      installed: ['test-recorder', 'jira'],
    });
    try {
      const { fields } = (await fixture.options(ADA)).body;
      expect(fields['jenkins.io/job-full-name']).toEqual({
        input: 'text',
        values: [],
        hint: '[instance:]folder/job, comma-separated (instances: default); jenkins:search-jobs is not available to list them (add jenkins to backend.actions.pluginSources)',
      });
      expect(fields['sonarqube.org/project-key']).toMatchObject({
        input: 'text',
        hint: expect.stringContaining(
          'sonarqube:search-projects is not available to list them',
        ),
      });
      expect(fields['jira/project-key'].input).toBe('list');
    } finally {
      await fixture.stop();
    }
  });

  it('asks no family that is not configured', async () => {
    const fixture = await startIntegrationsBackend({
      installed: FAMILIES,
      configured: ['jira'],
    });
    try {
      const { fields } = (await fixture.options(ADA)).body;
      expect(fields['jenkins.io/job-full-name']).toMatchObject({
        input: 'text',
        notConfigured:
          'not configured: set jenkins.instances (or jenkins.baseUrl)',
      });
      expect(fields['sonarqube.org/project-key']).toMatchObject({
        input: 'text',
        notConfigured:
          'not configured: set sonarqube.instances (or sonarqube.baseUrl)',
      });
      expect(fields['jira/project-key'].input).toBe('list');
      expect(
        fixture.invocations
          .map(i => i.actionId)
          .filter(id => id !== 'test-recorder:list-suites'),
      ).toEqual(['jira:list-projects']);
    } finally {
      await fixture.stop();
    }
  });
});
