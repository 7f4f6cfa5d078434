import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { makePipelineRun } from '../testing/pipelineRun';
import { RunOwnersNotifier } from './RunOwnersNotifier';

function makeRun(overrides: Partial<PipelineRun> = {}): PipelineRun {
  return makePipelineRun({
    entityRef: 'component:team-ns/demo',
    pipeline: 'deploy',
    number: 7,
    status: 'failed',
    jobs: [
      {
        jobRunId: 'approve',
        jobId: 'approve',
        name: 'approve',
        needs: [],
        status: 'waiting',
        attempt: 1,
        approval: { description: 'Ship it?' },
        steps: [],
      },
      {
        jobRunId: 'gate-without-text',
        jobId: 'gate-without-text',
        name: 'gate-without-text',
        needs: [],
        status: 'waiting',
        attempt: 1,
        steps: [],
      },
    ],
    ...overrides,
  });
}

describe('RunOwnersNotifier', () => {
  // `ownerless` makes an entity without `spec.owner`
  function create(owner = 'team-a') {
    const sent: NotificationSendOptions[] = [];
    const notifier = RunOwnersNotifier.create({
      auth: mockServices.auth(),
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'demo', namespace: 'team-ns' },
            spec: owner === 'ownerless' ? {} : { owner },
          },
        ],
      }),
      notifications: {
        send: async notification => {
          sent.push(notification);
        },
      },
    });
    return { notifier, sent };
  }

  it('tells the owning group, in the entity namespace, that a run failed', async () => {
    const { notifier, sent } = create();
    await notifier.notify({
      type: 'failed',
      run: makeRun({ error: 'Job build failed: exit code 2' }),
    });
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: 'group:team-ns/team-a' },
        payload: {
          title: 'Pipeline deploy #7 of demo failed',
          description: 'Job build failed: exit code 2',
          link: '/catalog/team-ns/component/demo',
          severity: 'high',
          topic: 'pipelines:component:team-ns/demo',
        },
      },
    ]);
  });

  it('says a job failed when the run has no error', async () => {
    const { notifier, sent } = create();
    await notifier.notify({ type: 'failed', run: makeRun() });
    expect(sent.map(n => n.payload.description)).toEqual(['A job failed']);
  });

  it('tells the owner which gate waits, with its description', async () => {
    const { notifier, sent } = create('user:default/alice');
    await notifier.notify({
      type: 'waiting',
      run: makeRun({ status: 'waiting' }),
      jobRunId: 'approve',
    });
    await notifier.notify({
      type: 'waiting',
      run: makeRun({ status: 'waiting' }),
      jobRunId: 'gate-without-text',
    });
    expect(
      sent.map(n => [
        n.recipients,
        n.payload.title,
        n.payload.description,
        n.payload.severity,
      ]),
    ).toEqual([
      [
        { type: 'entity', entityRef: 'user:default/alice' },
        'Pipeline deploy #7 of demo waits for approval',
        'Ship it?',
        'normal',
      ],
      [
        { type: 'entity', entityRef: 'user:default/alice' },
        'Pipeline deploy #7 of demo waits for approval',
        'Job gate-without-text waits for a decision',
        'normal',
      ],
    ]);
  });

  it('sends nothing for a finished run, an unknown entity or an entity without owner', async () => {
    const { notifier, sent } = create();
    await notifier.notify({ type: 'finished', run: makeRun() });
    await notifier.notify({
      type: 'failed',
      run: makeRun({ entityRef: 'component:team-ns/unknown' }),
    });
    const ownerless = create('ownerless');
    await ownerless.notifier.notify({ type: 'failed', run: makeRun() });
    expect([...sent, ...ownerless.sent]).toEqual([]);
  });
});
