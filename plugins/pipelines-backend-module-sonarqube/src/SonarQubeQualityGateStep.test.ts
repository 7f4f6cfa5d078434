import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
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
