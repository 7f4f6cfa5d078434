import { ConfigReader } from '@backstage/config';
import { ResourceScopes } from '@internal/backend-common';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import {
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFake,
} from '@internal/plugin-sonarqube-node/testUtils';
import type { PipelineStepReport } from '@internal/plugin-pipelines-node';
import {
  describeCondition,
  gateReport,
  SonarQubeQualityGateStep,
} from './SonarQubeQualityGateStep';

function context(inputs: Record<string, unknown> = {}) {
  return {
    runId: 'r1',
    entityRef: 'component:default/x',
    inputs,
    workspaceDir: '/tmp',
    env: {},
    commit: 'abc',
    log: { info: jest.fn(), error: jest.fn() },
    report: jest.fn(async (_report: PipelineStepReport) => {}),
    signal: new AbortController().signal,
  };
}

describe('SonarQubeQualityGateStep', () => {
  it('fails with a message naming sonarqube.instances while SonarQube is off', async () => {
    const step = new SonarQubeQualityGateStep({
      client: SonarQubeClient.fromConfig(new ConfigReader({})),
      catalog: {} as any,
      auth: {} as any,
    });
    await expect(step.run(context({ projectKey: 'a' }))).rejects.toThrow(
      'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on; the sonarqube/quality-gate step needs it',
    );
  });

  it('rejects bad inputs precisely', async () => {
    const step = new SonarQubeQualityGateStep({
      client: SonarQubeClient.fromConfig(
        new ConfigReader({
          sonarqube: { baseUrl: 'http://127.0.0.1:9', apiKey: 'k' },
        }),
      ),
      catalog: {
        getEntityByRef: async () => ({ metadata: { annotations: {} } }),
      } as any,
      auth: { getOwnServiceCredentials: async () => ({}) } as any,
    });
    await expect(step.run(context({ projectKey: 'a/b/c' }))).rejects.toThrow(
      'Bad "projectKey" input: The item 1 of sonarqube.org/project-key "a/b/c" has more than one "/"',
    );
    await expect(step.run(context())).rejects.toThrow(
      'sonarqube/quality-gate needs a project: give it "with: { projectKey: <key> }" or annotate component:default/x with sonarqube.org/project-key',
    );
    await expect(
      step.run(context({ projectKey: 'a', timeoutSeconds: 'soon' })),
    ).rejects.toThrow(
      'Input "timeoutSeconds" of sonarqube/quality-gate must be a positive number of seconds, not "soon"',
    );
  });

  describe('against the SonarQube fake', () => {
    let fake: SonarQubeFake;

    beforeAll(async () => {
      fake = await SonarQubeFake.start();
      fake.publishAnalysis({
        projectKey: 'comet-examples_ledger-worker',
        revision: 'abc',
        gate: 'OK',
      });
      fake.publishAnalysis({
        projectKey: 'comet-examples_payments-api',
        revision: 'abc',
        gate: 'OK',
      });
    });

    afterAll(async () => {
      await fake.close();
    });

    /** The step for an entity annotated with `annotation`. */
    function stepFor(annotation?: string, scopes?: ResourceScopes) {
      return new SonarQubeQualityGateStep({
        scopes,
        client: SonarQubeClient.fromConfig(
          new ConfigReader({
            sonarqube: {
              instances: [
                {
                  name: 'default',
                  baseUrl: fake.url,
                  apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
                },
                {
                  name: 'other',
                  baseUrl: fake.url,
                  apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
                },
              ],
            },
          }),
        ),
        catalog: {
          getEntityByRef: async () => ({
            kind: 'Component',
            spec: { owner: 'group:default/team-a' },
            metadata: {
              name: 'x',
              annotations: annotation
                ? { 'sonarqube.org/project-key': annotation }
                : {},
            },
          }),
        } as any,
        auth: { getOwnServiceCredentials: async () => ({}) } as any,
      });
    }

    it("checks only projects named by the entity's annotation", async () => {
      const step = stepFor('comet-examples_payments-api');
      await expect(
        step.run(context({ projectKey: 'comet-examples_ledger-worker' })),
      ).rejects.toThrow(
        'sonarqube/quality-gate checks only the projects of the run\'s entity: "comet-examples_ledger-worker" is not in the annotation sonarqube.org/project-key of component:default/x ("comet-examples_payments-api"); add it there',
      );
      // The same key on another instance is another project
      await expect(
        step.run(
          context({
            projectKey: 'comet-examples_payments-api',
            instance: 'other',
          }),
        ),
      ).rejects.toThrow(
        '"other/comet-examples_payments-api" is not in the annotation sonarqube.org/project-key of component:default/x',
      );
      await expect(
        stepFor().run(context({ projectKey: 'comet-examples_ledger-worker' })),
      ).rejects.toThrow(
        '"comet-examples_ledger-worker" is not in the annotation sonarqube.org/project-key of component:default/x (not set); add it there',
      );
      expect(fake.calls).toEqual([]);
    });

    it("refuses annotated projects outside the owner group's comet.resourceScopes", async () => {
      const scopes = ResourceScopes.fromConfig(
        new ConfigReader({
          comet: {
            resourceScopes: {
              'team-a': { sonarqube: ['comet-examples_pay*'] },
            },
          },
        }),
      );
      const step = stepFor(
        'comet-examples_payments-api,comet-examples_ledger-worker',
        scopes,
      );
      await expect(
        step.run(context({ projectKey: 'comet-examples_ledger-worker' })),
      ).rejects.toThrow(
        'sonarqube.org/project-key entry "comet-examples_ledger-worker" of component:default/x is refused: default/comet-examples_ledger-worker is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.sonarqube: comet-examples_pay*)',
      );
      expect(fake.calls).toEqual([]);
    });

    it('checks a project of the annotation, named with or without its instance', async () => {
      const step = stepFor(
        'comet-examples_payments-api,comet-examples_ledger-worker',
      );
      for (const projectKey of [
        'comet-examples_ledger-worker',
        'default/comet-examples_ledger-worker',
      ]) {
        const ctx = context({ projectKey });
        await step.run(ctx);
        expect(ctx.log.info).toHaveBeenLastCalledWith('Quality gate passed');
        expect(ctx.report.mock.calls).toEqual([
          [
            {
              kind: 'sonarqube.quality-gate',
              title: `SonarQube gate of ${projectKey}`,
              status: 'passed',
              summary: expect.stringMatching(/^All \d+ conditions passed$/),
              url: `${fake.url}/dashboard?id=comet-examples_ledger-worker`,
              data: {
                projectKey: 'comet-examples_ledger-worker',
                gate: 'OK',
                conditions: expect.any(Number),
                failedConditions: 0,
              },
            },
          ],
        ]);
      }
    });

    it('reports every project of a failing gate before it fails the step', async () => {
      fake.publishAnalysis({
        projectKey: 'comet-examples_payments-api',
        revision: 'def',
        gate: 'ERROR',
      });
      fake.publishAnalysis({
        projectKey: 'comet-examples_ledger-worker',
        revision: 'def',
        gate: 'OK',
      });
      const step = stepFor(
        'comet-examples_payments-api,comet-examples_ledger-worker',
      );
      const ctx = {
        ...context({
          projectKey:
            'comet-examples_payments-api,comet-examples_ledger-worker',
        }),
        commit: 'def',
      };
      await expect(step.run(ctx)).rejects.toThrow(
        'Quality gate failed: comet-examples_payments-api (new_coverage 42.3 < 80, new_reliability_rating 3 > 1)',
      );
      expect(ctx.report.mock.calls.map(([r]) => [r.title, r.status])).toEqual([
        ['SonarQube gate of comet-examples_payments-api', 'failed'],
        ['SonarQube gate of comet-examples_ledger-worker', 'passed'],
      ]);
      expect(ctx.report.mock.calls[0][0]).toMatchObject({
        summary: expect.stringMatching(
          /^2 of \d+ conditions failed: new_coverage 42.3 < 80, new_reliability_rating 3 > 1$/,
        ),
        url: `${fake.url}/dashboard?id=comet-examples_payments-api`,
        data: { gate: 'ERROR', failedConditions: 2 },
      });
    });

    it.each([
      ['pollSeconds', 0.001, 'from 2 to 60 seconds, not 0.001'],
      ['pollSeconds', '61', 'from 2 to 60 seconds, not "61"'],
      ['timeoutSeconds', 86400, 'from 1 to 3600 seconds, not 86400'],
    ])('bounds %s (%p)', async (name, value, message) => {
      const step = stepFor('comet-examples_payments-api');
      fake.resetCalls();
      await expect(
        step.run(
          context({ projectKey: 'comet-examples_payments-api', [name]: value }),
        ),
      ).rejects.toThrow(
        `Input "${name}" of sonarqube/quality-gate must be ${message}`,
      );
      expect(fake.calls).toEqual([]);
    });
  });

  it.each([
    [
      'OK',
      [{ metricKey: 'new_coverage', comparator: 'LT', status: 'OK' }],
      [],
      'passed',
      'All 1 condition passed',
    ],
    [
      'WARN',
      [
        {
          metricKey: 'new_bugs',
          comparator: 'GT',
          status: 'WARN',
          actualValue: '2',
        },
        { metricKey: 'new_smells', comparator: 'GT', status: 'WARN' },
      ],
      [],
      'warning',
      'Warning: new_bugs 2, new_smells (no value)',
    ],
    ['WARN', [], [], 'warning', 'Warning'],
    ['ERROR', [], [], 'failed', 'Failed'],
    ['NONE', [], [], 'info', 'No quality gate applies to the project'],
    [
      'ERROR',
      [{ metricKey: 'm', comparator: 'GT', status: 'ERROR' }],
      ['x'.repeat(600)],
      'failed',
      expect.stringMatching(/^1 of 1 condition failed: x+…$/),
    ],
  ] as const)(
    'reports gate status %s',
    (status, conditions, failed, reportStatus, summary) => {
      const report = gateReport(
        { instance: 'other', projectKey: 'payments' },
        { status, conditions: [...conditions] },
        [...failed],
        'https://sonar.test/dashboard?id=payments',
      );
      expect(report).toMatchObject({
        kind: 'sonarqube.quality-gate',
        title: 'SonarQube gate of other/payments',
        status: reportStatus,
        summary,
        url: 'https://sonar.test/dashboard?id=payments',
      });
      expect(report.summary.length).toBeLessThanOrEqual(500);
    },
  );

  it('describes a condition in words and symbols, not colour', () => {
    expect(
      describeCondition({
        metricKey: 'new_coverage',
        comparator: 'LT',
        errorThreshold: '80',
        actualValue: '42.3',
        status: 'ERROR',
      }),
    ).toBe('✘ ERROR    new_coverage 42.3 (fails when < 80)');
  });
});
