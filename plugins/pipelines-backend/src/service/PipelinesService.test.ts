import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PipelineProvider } from '@internal/plugin-pipelines-node';
import { PipelinesService } from './PipelinesService';

function create(options: {
  readAccessCacheMs?: number;
  allow?: boolean;
  providers?: PipelineProvider[];
}) {
  const calls = { catalog: 0, permissions: 0 };
  let allow = options.allow ?? true;
  const service = new PipelinesService({
    store: {
      listRuns: async () => ({ runs: [], totalCount: 0 }),
    },
    providers: options.providers ?? [],
    catalog: {
      getEntityByRef: async (entityRef: string) => {
        calls.catalog++;
        await new Promise(r => setTimeout(r, 5));
        return entityRef === 'component:default/a'
          ? {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'a', namespace: 'default' },
            }
          : undefined;
      },
    },
    permissions: {
      authorizeConditional: async (requests: unknown[]) => {
        calls.permissions++;
        return requests.map(() => ({
          result: allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        }));
      },
    },
    stepTypes: () => [],
    secretNames: () => [],
    readAccessCacheMs: options.readAccessCacheMs,
  } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
  return {
    service,
    calls,
    setAllow: (value: boolean) => {
      allow = value;
    },
  };
}

const alice = mockCredentials.user('user:default/alice');
const bob = mockCredentials.user('user:default/bob');
const query = { entityRef: 'component:default/a' };

describe('PipelinesService read access', () => {
  it('checks once for concurrent and repeated reads of one user, per user', async () => {
    const { service, calls } = create({});
    await Promise.all(
      Array.from({ length: 10 }, () => service.listRuns(alice, query)),
    );
    await service.listRuns(alice, query);
    expect(calls).toEqual({ catalog: 1, permissions: 1 });
    await service.listRuns(bob, query);
    expect(calls).toEqual({ catalog: 2, permissions: 2 });
  });

  it('checks every request when the cache is off', async () => {
    const { service, calls } = create({ readAccessCacheMs: 0 });
    await service.listRuns(alice, query);
    await service.listRuns(alice, query);
    expect(calls).toEqual({ catalog: 2, permissions: 2 });
  });

  it('never keeps a refusal: access granted later is seen at once', async () => {
    const { service, setAllow } = create({ allow: false });
    await expect(service.listRuns(alice, query)).rejects.toThrow(
      /not allowed to pipelines.run.read/,
    );
    setAllow(true);
    await expect(service.listRuns(alice, query)).resolves.toMatchObject({
      runs: [],
    });
    await expect(
      service.listRuns(alice, { entityRef: 'component:default/hidden' }),
    ).rejects.toThrow(/No entity component:default\/hidden/);
  });

  it('checks again once the cache time has passed', async () => {
    const { service, calls } = create({ readAccessCacheMs: 30 });
    await service.listRuns(alice, query);
    await new Promise(r => setTimeout(r, 60));
    await service.listRuns(alice, query);
    expect(calls.catalog).toBe(2);
  });
});

describe('PipelinesService CI/CD list', () => {
  it('passes on the sources a provider could not read next to its runs', async () => {
    const jenkins: PipelineProvider = {
      id: 'jenkins',
      title: 'Jenkins',
      appliesTo: () => true,
      listRuns: async ({ entity }) => ({
        runs: [
          {
            provider: 'jenkins',
            runId: 'jenkins:default:payments/payments-api#1',
            entityRef: entity.entityRef,
            pipeline: 'payments/payments-api',
            status: 'succeeded',
            trigger: { type: 'push' },
            params: {},
            createdAt: '2026-01-01T00:00:00Z',
            links: [],
            jobs: [],
          },
        ],
        errors: [
          {
            source: 'Jenkins job folder/payments-build (instance default)',
            message: '404 Not Found',
          },
        ],
      }),
    };
    const { service } = create({ providers: [jenkins] });
    const page = await service.listAllRuns(alice, query);
    expect(page.runs.map(r => r.runId)).toEqual([
      'jenkins:default:payments/payments-api#1',
    ]);
    expect(page.errors).toEqual([
      {
        provider: 'jenkins',
        source: 'Jenkins job folder/payments-build (instance default)',
        message: '404 Not Found',
      },
    ]);
  });
});
