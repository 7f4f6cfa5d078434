import { ConfigReader } from '@backstage/config';
import { ResourceScopes } from '@internal/backend-common';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import {
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFake,
} from '@internal/plugin-sonarqube-node/testUtils';
import {
  describeCondition,
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
      }
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
