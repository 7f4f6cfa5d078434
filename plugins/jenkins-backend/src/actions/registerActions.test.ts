import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createJenkinsFakeRouter } from '@internal/plugin-jenkins-node/testUtils';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JenkinsClient } from '@internal/plugin-jenkins-node';
import { JenkinsService } from '../service/JenkinsService';
import { registerActions } from './registerActions';

jest.setTimeout(30_000);

describe('jenkins actions', () => {
  let server: http.Server;
  let registry: ReturnType<typeof actionsRegistryServiceMock>;
  const credentials = mockCredentials.user();
  const entityRef = 'component:default/payments-api';
  const job = 'default:payments/payments-api';
  let baseUrl: string;
  const fake = createJenkinsFakeRouter({
    queueDelayMs: 100,
    buildDurationMs: 60_000,
  });

  /** The actions of a backend with these instances (all on the fake) and this annotation. */
  function actionsWith(instanceNames: string[], annotation: string) {
    const service = new JenkinsService({
      client: JenkinsClient.create({ logger: mockServices.logger.mock() }),
      instances: instanceNames.map(name => ({
        name,
        baseUrl,
        username: 'comet',
        apiKey: 'comet-fake-jenkins-token',
        projectCountLimit: 50,
        extraRequestHeaders: {},
        crumbIssuer: true,
      })),
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'payments-api',
              namespace: 'default',
              annotations: { 'jenkins.io/job-full-name': annotation },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
          },
        ],
      }),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock(),
    });
    const actions = actionsRegistryServiceMock();
    registerActions(actions, service);
    return actions;
  }

  beforeAll(async () => {
    server = http.createServer(express().use('/jenkins', fake));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/jenkins`;
    const service = new JenkinsService({
      client: JenkinsClient.create({ logger: mockServices.logger.mock() }),
      instances: [
        {
          name: 'default',
          baseUrl,
          username: 'comet',
          apiKey: 'comet-fake-jenkins-token',
          projectCountLimit: 50,
          extraRequestHeaders: {},
          crumbIssuer: true,
        },
      ],
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'payments-api',
              namespace: 'default',
              annotations: {
                'jenkins.io/job-full-name': 'payments/payments-api',
              },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
          },
        ],
      }),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock({
        createEvent: async () => ({
          success: async () => {},
          fail: async () => {},
        }),
      }),
      triggerWaitMs: 5000,
    });
    registry = actionsRegistryServiceMock();
    registerActions(registry, service);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('registers the six actions with honest attributes', async () => {
    const { actions } = await registry.list();
    expect(Object.fromEntries(actions.map(a => [a.id, a.attributes]))).toEqual({
      'test:list-builds': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:search-jobs': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:get-build': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:get-build-log': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:trigger-build': {
        readOnly: false,
        destructive: false,
        idempotent: false,
      },
      'test:abort-build': {
        readOnly: false,
        destructive: true,
        idempotent: true,
      },
    });
  });

  it('lists, triggers with parameters, reads the log tail and aborts', async () => {
    const list = (
      await registry.invoke({
        id: 'test:list-builds',
        input: { entityRef, limit: 3 },
        credentials,
      })
    ).output as any;
    expect(list.builds.map((b: any) => b.number)).toEqual([12, 11, 10]);
    expect(list.nextCursor).toBeDefined();

    const triggered = (
      await registry.invoke({
        id: 'test:trigger-build',
        input: { entityRef, job, parameters: { DEPLOY_ENV: 'production' } },
        credentials,
      })
    ).output as any;
    expect(triggered).toMatchObject({ jobRef: job, buildNumber: 13 });

    const build = (
      await registry.invoke({
        id: 'test:get-build',
        input: { entityRef, job, number: 13 },
        credentials,
      })
    ).output as any;
    expect(build.build.parameters.DEPLOY_ENV).toBe('production');

    const log = (
      await registry.invoke({
        id: 'test:get-build-log',
        input: { entityRef, job, number: 12, maxBytes: 100 },
        credentials,
      })
    ).output as any;
    expect(log.truncated).toBe(true);
    expect(log.text).toMatch(/Finished: (SUCCESS|UNSTABLE|FAILURE)\n$/);
    expect(Buffer.byteLength(log.text)).toBeLessThanOrEqual(100);

    const aborted = (
      await registry.invoke({
        id: 'test:abort-build',
        input: { entityRef, job, number: 13 },
        credentials,
      })
    ).output as any;
    expect(aborted).toEqual({ jobRef: job, number: 13, aborted: true });
  });

  it('accepts the job as the annotation writes it, without an instance', async () => {
    const build = (
      await registry.invoke({
        id: 'test:get-build',
        input: { entityRef, job: 'payments/payments-api', number: 12 },
        credentials,
      })
    ).output as any;
    expect(build.build).toMatchObject({ jobRef: job, number: 12 });
  });

  it('takes the only instance when the job names none, whatever its name', async () => {
    const actions = actionsWith(['ci'], 'payments/payments-api');
    for (const given of ['payments/payments-api', 'ci:payments/payments-api']) {
      const list = (
        await actions.invoke({
          id: 'test:list-builds',
          input: { entityRef, job: given, limit: 2 },
          credentials,
        })
      ).output as any;
      expect(list.builds.map((b: any) => b.jobRef)).toEqual([
        'ci:payments/payments-api',
        'ci:payments/payments-api',
      ]);
    }
    // The merged list resolves the annotation the same way
    const merged = (
      await actions.invoke({
        id: 'test:list-builds',
        input: { entityRef, limit: 1 },
        credentials,
      })
    ).output as any;
    expect(merged.errors ?? []).toEqual([]);
    expect(merged.builds[0].jobRef).toBe('ci:payments/payments-api');
  });

  it('asks for the instance in the annotation when several have none called default', async () => {
    const actions = actionsWith(['ci', 'legacy'], 'ci:payments/payments-api');
    await expect(
      actions.invoke({
        id: 'test:get-build',
        input: { entityRef, job: 'payments/payments-api', number: 12 },
        credentials,
      }),
    ).rejects.toThrow(
      'jenkins.io/job-full-name names no Jenkins instance, and jenkins.instances has several ("ci", "legacy") with none called "default"',
    );
    const merged = (
      await actionsWith(['ci', 'legacy'], 'payments/payments-api').invoke({
        id: 'test:list-builds',
        input: { entityRef, limit: 1 },
        credentials,
      })
    ).output as any;
    expect(merged.builds).toEqual([]);
    expect(merged.errors).toEqual([
      expect.objectContaining({
        jobRef: 'default:payments/payments-api',
        name: 'InputError',
        message: expect.stringContaining(
          'write the instance name in jenkins.io/job-full-name',
        ),
      }),
    ]);
  });

  it('reads the tail of a console longer than one read', async () => {
    const build = fake.fake.state.jobs
      .get('payments/payments-api')!
      .builds.find(b => b.number === 5)!;
    build.logLines.push('x'.repeat(2_500_000), 'error: the real failure');
    const whole = Buffer.from(fake.fake.state.view(build).log);
    const log = (
      await registry.invoke({
        id: 'test:get-build-log',
        input: { entityRef, job, number: 5, maxBytes: 1000 },
        credentials,
      })
    ).output as any;
    expect(log.truncated).toBe(true);
    expect(log.more).toBe(false);
    expect(log.text).toBe(whole.subarray(whole.length - 1000).toString());
    expect(log.text).toContain('error: the real failure\nFinished:');
    expect(log).toMatchObject({
      start: whole.length - 1000,
      nextStart: whole.length,
    });
  });
});
