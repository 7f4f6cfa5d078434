import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  serializeError,
} from '@backstage/errors';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { WaitClock } from '@internal/backend-common';
import {
  INITIATOR,
  runAction,
  TaskEventsFake,
} from '@internal/backend-common/testUtils';
import { createRunTriggerAction } from './createRunTriggerAction';

const ENTITY_REF = 'component:default/payouts-api';
const APP = 'http://localhost:7007';

type Invocation = {
  id: string;
  input?: JsonObject;
  credentials: BackstageCredentials;
};

/** The pipelines plugin's actions as the scaffolder reaches them; `answer` decides each call. */
class FakeActions implements ActionsService {
  readonly calls: Invocation[] = [];

  constructor(
    private readonly answer: (
      call: Invocation,
      attempt: number,
    ) => Promise<JsonValue> | JsonValue,
    private readonly clock?: FakeClock,
  ) {}

  async list() {
    return { actions: [] };
  }

  async invoke(opts: Invocation) {
    this.calls.push(opts);
    // Each request takes a little time, as over HTTP
    this.clock?.advance(150);
    return { output: await this.answer(opts, this.calls.length) };
  }
}

class FakeClock implements WaitClock {
  private time = 1_750_000_000_000;
  readonly sleeps: number[] = [];

  now() {
    return this.time;
  }

  async sleep(ms: number) {
    this.sleeps.push(ms);
    this.time += ms;
  }

  advance(ms: number) {
    this.time += ms;
  }
}

/** An error as DefaultActionsService throws it: a ResponseError read from the plugin's answer. */
async function answered(error: Error, status: number, statusText: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: serializeError(error),
        request: {
          method: 'POST',
          url: '/.backstage/actions/v1/actions/pipelines%3Atrigger-run/invoke',
        },
        response: { statusCode: status },
      }),
      { status, statusText, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

/** What the pipelines plugin answers while the catalog has not ingested the entity yet. */
function entityNotFound(entityRef = ENTITY_REF) {
  return answered(
    new NotFoundError(
      `No entity ${entityRef} in the catalog (or you cannot see it)`,
    ),
    404,
    'Not Found',
  );
}

/** A run as `pipelines:trigger-run` answers it (only the fields this action reads matter). */
const started = () => ({
  run: {
    provider: 'comet',
    runId: 'run/42',
    entityRef: ENTITY_REF,
    pipeline: 'build',
    status: 'queued',
  },
});

const action = (actions: ActionsService, clock?: WaitClock) =>
  createRunTriggerAction({ actions, appBaseUrl: `${APP}/`, clock });

describe('pipelines:run:trigger', () => {
  it("invokes pipelines:trigger-run with the initiator's own credentials and links the run page", async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(started, clock);
    const { output, logs } = await runAction(action(actions, clock), {
      entityRef: 'Component:payouts-api',
      pipelinePath: '.comet/pipeline.yaml',
      branch: 'main',
      params: { environment: 'staging', dryRun: false, replicas: 2 },
    });

    expect(actions.calls).toHaveLength(1);
    expect(actions.calls[0].id).toBe('pipelines:trigger-run');
    // The very credentials of the user who started the task, never a service identity
    expect(actions.calls[0].credentials).toBe(INITIATOR);
    expect(actions.calls[0].input).toEqual({
      entityRef: ENTITY_REF,
      pipelinePath: '.comet/pipeline.yaml',
      branch: 'main',
      params: { environment: 'staging', dryRun: false, replicas: 2 },
    });
    expect(output).toEqual({
      runId: 'run/42',
      runUrl: `${APP}/pipelines/runs/run%2F42`,
      runPath: '/pipelines/runs/run%2F42',
      status: 'queued',
    });
    expect(logs).toEqual([
      `Started run run/42 of .comet/pipeline.yaml of ${ENTITY_REF} on main (queued)`,
      `Created pipeline run run/42: ${APP}/pipelines/runs/run%2F42`,
    ]);
    expect(clock.sleeps).toEqual([]);
  });

  it("sends only the entity when the template gives nothing else: the entity's first pipeline", async () => {
    const actions = new FakeActions(started);
    await runAction(action(actions), { entityRef: ENTITY_REF });
    expect(actions.calls[0].input).toEqual({ entityRef: ENTITY_REF });
  });

  it('waits for the catalog to ingest the entity, retrying every 2 s, then starts the run', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async (_call, attempt) => {
      if (attempt <= 3) throw await entityNotFound();
      return started();
    }, clock);

    const { output, logs } = await runAction(action(actions, clock), {
      entityRef: ENTITY_REF,
    });

    expect(output.runId).toBe('run/42');
    expect(actions.calls).toHaveLength(4);
    expect(actions.calls.every(call => call.credentials === INITIATOR)).toBe(
      true,
    );
    expect(clock.sleeps).toEqual([2000, 2000, 2000]);
    expect(logs).toEqual([
      `waiting for the catalog to ingest ${ENTITY_REF} (0 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY_REF} (2 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY_REF} (4 s of 120 s)`,
      `Started run run/42 of the entity's first pipeline of ${ENTITY_REF} (queued)`,
      `Created pipeline run run/42: ${APP}/pipelines/runs/run%2F42`,
    ]);
  });

  it('also retries a not-found thrown in-process (an actions service without HTTP)', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions((_call, attempt) => {
      if (attempt === 1) {
        throw new NotFoundError(
          `No entity ${ENTITY_REF} in the catalog (or you cannot see it)`,
        );
      }
      return started();
    }, clock);
    const { output } = await runAction(action(actions, clock), {
      entityRef: ENTITY_REF,
    });
    expect(output.status).toBe('queued');
    expect(actions.calls).toHaveLength(2);
  });

  it('gives up after waitForEntitySeconds with a message that says what to check', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await entityNotFound();
    }, clock);

    const run = runAction(action(actions, clock), {
      entityRef: ENTITY_REF,
      waitForEntitySeconds: 5,
    });

    await expect(run).rejects.toThrow(NotFoundError);
    await expect(run).rejects.toThrow(
      `The pipelines plugin did not start the entity's first pipeline of ${ENTITY_REF}: the catalog has not ingested ${ENTITY_REF} after waiting 5 s (No entity ${ENTITY_REF} in the catalog (or you cannot see it)). Check that an earlier step registered it, and the catalog's processing errors for it`,
    );
    // 150 ms per request: sleeps of 2 s until the deadline, the last one shortened to it
    expect(clock.sleeps).toEqual([2000, 2000, 550]);
    expect(actions.calls).toHaveLength(4);
  });

  it('waits 120 s by default, never sleeping past the deadline', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await entityNotFound();
    }, clock);
    const start = clock.now();

    await expect(
      runAction(action(actions, clock), { entityRef: ENTITY_REF }),
    ).rejects.toThrow('after waiting 120 s');

    expect(clock.sleeps.every(ms => ms > 0 && ms <= 2000)).toBe(true);
    const lastCallAt = clock.now() - 150;
    expect(lastCallAt).toBeGreaterThanOrEqual(start + 120_000);
    expect(lastCallAt).toBeLessThan(start + 120_000 + 2000);
  });

  it('with waitForEntitySeconds 0 asks once', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await entityNotFound();
    }, clock);
    await expect(
      runAction(action(actions, clock), {
        entityRef: ENTITY_REF,
        waitForEntitySeconds: 0,
      }),
    ).rejects.toThrow('after waiting 0 s');
    expect(actions.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    [
      'permission denied',
      new NotAllowedError(
        `You are not allowed to pipelines.run.create on ${ENTITY_REF}`,
      ),
      403,
      'Forbidden',
      NotAllowedError,
    ],
    [
      'a pipeline the entity does not have',
      new InputError(
        `${ENTITY_REF} has no pipeline .comet/release.yaml; its pipelines are .comet/pipeline.yaml`,
      ),
      400,
      'Bad Request',
      InputError,
    ],
    [
      'too many runs',
      new ConflictError('You have 20 runs queued; wait for some to finish'),
      409,
      'Conflict',
      ConflictError,
    ],
  ])(
    'fails at once on %s, with the pipelines plugin message',
    async (_what, remote, status, statusText, type) => {
      const clock = new FakeClock();
      const actions = new FakeActions(async () => {
        throw await answered(remote, status, statusText);
      }, clock);

      const run = runAction(action(actions, clock), {
        entityRef: ENTITY_REF,
        pipelinePath: '.comet/release.yaml',
      });

      await expect(run).rejects.toThrow(type);
      await expect(run).rejects.toThrow(
        `The pipelines plugin did not start .comet/release.yaml of ${ENTITY_REF}: ${remote.message}`,
      );
      expect(actions.calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('fails at once when the pipelines action is missing, saying what to install', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await answered(
        new NotFoundError('Action "pipelines:trigger-run" not found'),
        404,
        'Not Found',
      );
    }, clock);
    await expect(
      runAction(action(actions, clock), { entityRef: ENTITY_REF }),
    ).rejects.toThrow(
      'Action "pipelines:trigger-run" not found (is @internal/plugin-pipelines-backend installed, and pipelines listed in backend.actions.pluginSources?)',
    );
    expect(actions.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("lists what the template's earlier steps created when the run cannot be started", async () => {
    const events = await TaskEventsFake.start();
    try {
      events.log(
        'task-1',
        'Created repository payouts-api: http://localhost:7007/api/example-repos/payouts-api.git',
        'publish-portal',
      );
      events.log(
        'task-1',
        'Created Jenkins job payments/payouts-api: http://jenkins.test/job/payments/job/payouts-api/',
        'jenkins',
      );
      const actions = new FakeActions(async () => {
        throw await answered(
          new NotAllowedError('You may not start runs of this entity'),
          403,
          'Forbidden',
        );
      });
      const error = await runAction(
        createRunTriggerAction({
          actions,
          appBaseUrl: APP,
          creationLog: events.creationLog(),
        }),
        { entityRef: ENTITY_REF },
      ).catch(e => e);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toBe(
        [
          `The pipelines plugin did not start the entity's first pipeline of ${ENTITY_REF}: You may not start runs of this entity`,
          '',
          'Already created by this run:',
          '- repository payouts-api (http://localhost:7007/api/example-repos/payouts-api.git)',
          '- Jenkins job payments/payouts-api (http://jenkins.test/job/payments/job/payouts-api/)',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
      // Read as the user who started the task
      expect(events.requests).toEqual([
        {
          path: '/api/scaffolder/v2/tasks/task-1/events',
          authorization: expect.stringContaining('user:default/ada'),
        },
      ]);
    } finally {
      await events.close();
    }
  });

  it('fails at once when another entity is not found', async () => {
    const actions = new FakeActions(async () => {
      throw await entityNotFound('group:default/team-z');
    });
    await expect(
      runAction(action(actions), { entityRef: ENTITY_REF }),
    ).rejects.toThrow('No entity group:default/team-z in the catalog');
    expect(actions.calls).toHaveLength(1);
  });

  it('fails at once when the pipelines plugin cannot be reached, or throws something odd', async () => {
    const unreachable = new FakeActions(() => {
      throw new TypeError('fetch failed');
    });
    await expect(
      runAction(action(unreachable), { entityRef: ENTITY_REF }),
    ).rejects.toThrow(
      `The pipelines plugin did not start the entity's first pipeline of ${ENTITY_REF}: fetch failed`,
    );
    const odd = new FakeActions(() => {
      // eslint-disable-next-line no-throw-literal
      throw 'a string';
    });
    await expect(
      runAction(action(odd), { entityRef: ENTITY_REF }),
    ).rejects.toThrow(': a string');
  });

  it('refuses an answer that is not a run', async () => {
    const actions = new FakeActions(() => ({ run: { runId: 'run-1' } }));
    await expect(
      runAction(action(actions), { entityRef: ENTITY_REF }),
    ).rejects.toThrow(
      'pipelines:trigger-run answered {"run":{"runId":"run-1"}} instead of a run with its runId and status',
    );
  });

  it('a retried step returns the run its first attempt started, without starting another', async () => {
    const actions = new FakeActions(started);
    const checkpoints = new Map<string, unknown>();
    const trigger = action(actions);
    const first = await runAction(
      trigger,
      { entityRef: ENTITY_REF },
      { checkpoints },
    );
    const again = await runAction(
      trigger,
      { entityRef: ENTITY_REF },
      { checkpoints },
    );
    expect(again.output).toEqual(first.output);
    expect(actions.calls).toHaveLength(1);
  });

  it('stops waiting when the task is cancelled', async () => {
    // The real clock: the sleep ends at once because the signal is already aborted
    const actions = new FakeActions(async () => {
      throw await entityNotFound();
    });
    const controller = new AbortController();
    controller.abort();
    await expect(
      runAction(
        action(actions),
        { entityRef: ENTITY_REF },
        { signal: controller.signal },
      ),
    ).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(actions.calls).toHaveLength(1);
  });

  it.each([
    [
      { entityRef: 'not a ref' },
      'entityRef: "not a ref" is not an entity ref, e.g. component:default/payments-api',
    ],
    [
      { entityRef: ENTITY_REF, waitForEntitySeconds: 601 },
      'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
    ],
    [
      { entityRef: ENTITY_REF, waitForEntitySeconds: -1 },
      'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
    ],
    [
      { entityRef: ENTITY_REF, waitForEntitySeconds: 1.5 },
      'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
    ],
  ])('refuses %j', async (input, message) => {
    const actions = new FakeActions(started);
    const run = runAction(action(actions), input);
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(message);
    expect(actions.calls).toEqual([]);
  });

  describe('dry run', () => {
    it('triggers nothing and says what it would start, as whom', async () => {
      const actions = new FakeActions(started);
      const { output, logs } = await runAction(
        action(actions),
        { entityRef: ENTITY_REF },
        { isDryRun: true },
      );
      expect(logs).toEqual([
        `Dry run: would trigger the entity's first pipeline of ${ENTITY_REF} as user:default/ada`,
      ]);
      expect(output).toEqual({
        runId: 'dry-run',
        runUrl: `${APP}/pipelines`,
        runPath: '/pipelines',
        status: 'dry-run',
      });
      expect(actions.calls).toEqual([]);

      const asService = await runAction(
        action(actions),
        { entityRef: ENTITY_REF, pipelinePath: '.comet/release.yaml' },
        { isDryRun: true, credentials: mockCredentials.service('release-bot') },
      );
      expect(asService.logs).toEqual([
        `Dry run: would trigger .comet/release.yaml of ${ENTITY_REF} as the service release-bot`,
      ]);
      const asNobody = await runAction(
        action(actions),
        { entityRef: ENTITY_REF },
        { isDryRun: true, credentials: mockCredentials.none() },
      );
      expect(asNobody.logs[0]).toMatch(/as an unknown principal$/);
    });

    it('asks the permission the real run needs, when the entity exists', async () => {
      const actions = new FakeActions(started);
      const asked: Array<[string, string]> = [];
      const withDecision = (answer: 'allowed' | 'denied' | 'missing') =>
        createRunTriggerAction({
          actions,
          appBaseUrl: APP,
          mayTrigger: async (credentials, entityRef) => {
            asked.push([
              (credentials.principal as { userEntityRef: string })
                .userEntityRef,
              entityRef,
            ]);
            return answer;
          },
        });
      const input = { entityRef: ENTITY_REF };
      await expect(
        runAction(withDecision('denied'), input, { isDryRun: true }),
      ).rejects.toThrow(
        `You may not start pipeline runs of ${ENTITY_REF} (pipelines.run.create)`,
      );
      for (const answer of ['allowed', 'missing'] as const) {
        const { output } = await runAction(withDecision(answer), input, {
          isDryRun: true,
        });
        expect(output.runId).toBe('dry-run');
      }
      expect(asked).toEqual([
        ['user:default/ada', ENTITY_REF],
        ['user:default/ada', ENTITY_REF],
        ['user:default/ada', ENTITY_REF],
      ]);
      expect(actions.calls).toEqual([]);
    });
  });
});
