import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { SonarQubeProjectSummary } from '@internal/plugin-sonarqube-common';
import type { SonarQubeService } from '../service/SonarQubeService';
import { registerActions } from './registerActions';

const PAYMENTS: SonarQubeProjectSummary = {
  project: 'comet-examples_payments-api',
  instance: 'default',
  projectKey: 'comet-examples_payments-api',
  scope: {},
  name: 'Payments API',
  url: 'https://sonar.example.com/dashboard?id=comet-examples_payments-api',
  analysed: true,
  measures: { coverage: '84.2' },
  qualityGate: {
    status: 'ERROR',
    conditions: [
      {
        metricKey: 'new_coverage',
        comparator: 'LT',
        errorThreshold: '80',
        actualValue: '42.3',
        status: 'ERROR',
      },
    ],
  },
};
const NEVER: SonarQubeProjectSummary = {
  project: 'cloud/comet-examples_new-service',
  instance: 'cloud',
  projectKey: 'comet-examples_new-service',
  scope: {},
  analysed: false,
  measures: {},
  error: 'Project "comet-examples_new-service" has not been analysed yet',
};

function setup(configured = true) {
  const service = {
    summary: jest.fn(async () =>
      configured
        ? {
            configured: true as const,
            entityRef: 'component:default/payments-api',
            projects: [PAYMENTS, NEVER],
          }
        : {
            configured: false as const,
            message: 'SonarQube is not configured',
          },
    ),
    projectView: jest.fn(async () => PAYMENTS),
    issues: jest.fn(async () => ({
      issues: [],
      total: 0,
      page: 2,
      pageSize: 25,
      reachableTotal: 0,
    })),
  };
  const registry = actionsRegistryServiceMock();
  registerActions(registry, service as unknown as SonarQubeService);
  return { registry, service };
}

const credentials = mockCredentials.user('user:default/alice');

describe('SonarQube actions', () => {
  it('registers the four read-only actions', async () => {
    const { registry } = setup();
    const { actions } = await registry.list();
    expect(actions.map(a => a.name)).toEqual([
      'get-quality-gate',
      'get-measures',
      'search-issues',
      'search-projects',
    ]);
    expect(actions.every(a => a.attributes.readOnly)).toBe(true);
  });

  it("gives each project's gate, and NONE for one never analysed", async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:get-quality-gate',
      input: { entityRef: 'component:default/payments-api', branch: 'main' },
      credentials,
    });
    expect(service.summary).toHaveBeenCalledWith(credentials, {
      entityRef: 'component:default/payments-api',
      branch: 'main',
    });
    expect(result.output).toEqual({
      projects: [
        {
          project: 'comet-examples_payments-api',
          instance: 'default',
          status: 'ERROR',
          conditions: PAYMENTS.qualityGate!.conditions,
          url: PAYMENTS.url,
        },
        {
          project: 'cloud/comet-examples_new-service',
          instance: 'cloud',
          status: 'NONE',
          conditions: [],
          analysed: false,
          error: NEVER.error,
        },
      ],
    });
  });

  it('reads one named project through the project view', async () => {
    const { registry, service } = setup();
    const result = await registry.invoke({
      id: 'test:get-measures',
      input: {
        entityRef: 'component:default/payments-api',
        project: 'comet-examples_payments-api',
      },
      credentials,
    });
    expect(service.projectView).toHaveBeenCalledWith(credentials, {
      entityRef: 'component:default/payments-api',
      project: 'comet-examples_payments-api',
    });
    expect(service.summary).not.toHaveBeenCalled();
    expect(result.output).toEqual({ projects: [PAYMENTS] });
  });

  it('searches issues with the first page of 25 unless told', async () => {
    const { registry, service } = setup();
    await registry.invoke({
      id: 'test:search-issues',
      input: { entityRef: 'component:default/payments-api', types: ['BUG'] },
      credentials,
    });
    expect(service.issues).toHaveBeenLastCalledWith(credentials, {
      entityRef: 'component:default/payments-api',
      types: ['BUG'],
      page: 1,
      pageSize: 25,
    });
    await registry.invoke({
      id: 'test:search-issues',
      input: {
        entityRef: 'component:default/payments-api',
        page: 2,
        pageSize: 100,
      },
      credentials,
    });
    expect(service.issues).toHaveBeenLastCalledWith(credentials, {
      entityRef: 'component:default/payments-api',
      page: 2,
      pageSize: 100,
    });
  });

  it('says which key turns SonarQube on when it is not configured', async () => {
    const { registry } = setup(false);
    await expect(
      registry.invoke({
        id: 'test:get-quality-gate',
        input: { entityRef: 'component:default/payments-api' },
        credentials,
      }),
    ).rejects.toThrow(
      expect.objectContaining({
        name: 'ServiceUnavailableError',
        message: 'SonarQube is not configured',
      }),
    );
  });
});
