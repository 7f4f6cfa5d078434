import type { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import type {
  SonarQubeGateSignal,
  SonarQubeProjectSummary,
} from '@internal/plugin-sonarqube-common';
import { act } from '@testing-library/react';
import { type SonarQubeApi, sonarQubeApiRef } from '../api';

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: { 'sonarqube.org/project-key': 'acme_api,acme_typo' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

export const project: SonarQubeProjectSummary = {
  project: 'acme_api',
  instance: 'default',
  projectKey: 'acme_api',
  name: 'ACME API',
  url: 'https://sonar.example.com/dashboard?id=acme_api',
  scope: {},
  analysed: true,
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
  measures: {
    reliability_rating: '1.0',
    security_rating: '3.0',
    sqale_rating: '2.0',
    bugs: '0',
    vulnerabilities: '12',
    code_smells: '340',
    sqale_index: '1500',
    coverage: '71.25',
  },
};

export function mockApi(overrides: Partial<SonarQubeApi> = {}): SonarQubeApi {
  return {
    getSummary: jest.fn(async () => ({
      configured: true as const,
      entityRef: 'component:default/payments-api',
      projects: [
        project,
        {
          project: 'acme_typo',
          instance: 'default',
          projectKey: 'acme_typo',
          scope: {},
          analysed: false,
          measures: {},
          error:
            'SonarQube instance "default": GET api/measures/component for project "acme_typo": not found (404): Component key \'acme_typo\' not found',
        },
      ],
    })),
    getProject: jest.fn(async () => project),
    getBranches: jest.fn(async () => ({
      branches: [
        { name: 'main', isMain: true, qualityGateStatus: 'ERROR' as const },
        { name: 'develop', isMain: false, qualityGateStatus: 'OK' as const },
      ],
      pullRequests: [
        {
          key: '42',
          title: 'Partial refunds',
          branch: 'feat',
          qualityGateStatus: 'ERROR' as const,
        },
      ],
    })),
    getHistory: jest.fn(async () => ({
      metrics: [
        {
          metric: 'coverage',
          history: [
            { date: '2026-11-01T00:00:00+0000', value: '60.0' },
            { date: '2026-11-08T00:00:00+0000', value: '71.3' },
          ],
        },
      ],
    })),
    getIssues: jest.fn(async (request: any) => ({
      issues: [
        {
          key: `issue-${request.page}`,
          rule: 'typescript:S1854',
          severity: 'MAJOR',
          type: 'CODE_SMELL',
          message: `Remove this useless assignment (page ${request.page})`,
          component: 'src/a.ts',
          line: 3,
          status: 'OPEN',
          tags: [],
          url: 'https://sonar.example.com/project/issues?id=acme_api&open=x',
        },
      ],
      total: 12000,
      reachableTotal: 10000,
      page: request.page,
      pageSize: request.pageSize,
    })),
    getHotspots: jest.fn(async () => {
      throw new Error(
        'You are not allowed to sonarqube.security.read on component:default/payments-api',
      );
    }),
    getTable: jest.fn(),
    ...overrides,
  } as SonarQubeApi;
}

/** The entity with other metadata (a name of its own keeps loaders apart). */
export function entityWith(metadata: Partial<Entity['metadata']>): Entity {
  return { ...entity, metadata: { ...entity.metadata, ...metadata } };
}

/** A signal API the test publishes quality-gate changes on. */
export function mockSignals() {
  const listeners = new Map<string, Set<(message: any) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = listeners.get(channel) ?? new Set();
      set.add(onMessage);
      listeners.set(channel, set);
      return { unsubscribe: () => set.delete(onMessage) };
    },
  };
  const publish = (channel: string, message: SonarQubeGateSignal) =>
    act(() => {
      for (const listener of listeners.get(channel) ?? []) listener(message);
    });
  return { api, publish };
}

export function render(
  element: JSX.Element,
  api: SonarQubeApi,
  options: { entity?: Entity; signals?: SignalApi } = {},
) {
  return renderInTestApp(
    <EntityProvider entity={options.entity ?? entity}>
      {element}
    </EntityProvider>,
    {
      apis: [
        [sonarQubeApiRef, api],
        ...(options.signals ? [[signalApiRef, options.signals] as const] : []),
      ] as any,
      // Entity names link to their pages
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}
