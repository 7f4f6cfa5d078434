import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  serializeError,
} from '@backstage/errors';
import type { JsonObject, JsonValue } from '@backstage/types';
import {
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { INITIATOR, runAction } from '@internal/backend-common/testUtils';
import {
  createTestSuiteAction,
  MAX_SUITE_FILE_BYTES,
} from './createTestSuiteAction';
import type { WaitClock } from '@internal/backend-common';
import { TaskEventsFake } from '@internal/backend-common/testUtils';

const EXAMPLE_SUITE_FILE = resolve(
  __dirname,
  '../../../examples/test-suites/payments-api-smoke.json',
);

const SUITE = {
  name: 'payouts-api-smoke',
  title: 'Payouts API smoke test',
  baseUrl: 'https://payouts-api.example.com',
  tests: [
    {
      id: 'home',
      name: 'the home page answers',
      steps: [
        { id: 's1', action: 'navigate', url: '/' },
        {
          id: 's2',
          action: 'assertVisible',
          target: {
            locator: { kind: 'role', role: 'heading', name: 'Payouts' },
          },
          visible: true,
        },
      ],
    },
  ],
};

const ENTITY_REF = 'component:default/payouts-api';

type Invocation = {
  id: string;
  input?: JsonObject;
  credentials: BackstageCredentials;
};

/** The test recorder's actions as the scaffolder reaches them; `answer` decides each call. */
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
          url: '/.backstage/actions/v1/actions/test-recorder%3Acreate-suite/invoke',
        },
        response: { statusCode: status },
      }),
      { status, statusText, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

/** What the test recorder answers while the catalog has not ingested the entity yet. */
function entityNotFound(entityRef = ENTITY_REF) {
  return answered(
    new NotFoundError(
      `No entity ${entityRef} in the catalog (or you cannot see it)`,
    ),
    404,
    'Not Found',
  );
}

const created = (call: Invocation) => ({
  name: (call.input!.definition as JsonObject).name as string,
  version: 1,
});

/** What the test recorder answers for a suite that does not exist. */
function suiteNotFound(name = SUITE.name) {
  return answered(
    new NotFoundError(`Test suite ${name} not found`),
    404,
    'Not Found',
  );
}

/** What the test recorder answers when the name is taken (its store's message). */
function nameTaken(owner: string) {
  return answered(
    new ConflictError(
      `A test suite named "${SUITE.name}" already exists, owned by ${owner}; choose another name`,
    ),
    409,
    'Conflict',
  );
}

/** Answers per action id, as the test recorder's actions would. */
function byAction(answers: Record<string, (call: Invocation) => unknown>) {
  return async (call: Invocation) => {
    const answer = answers[call.id];
    if (!answer) throw new Error(`unexpected call of ${call.id}`);
    return (await answer(call)) as JsonValue;
  };
}

describe('test-recorder:suite:create', () => {
  let workspace: string;

  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'test-recorder-action-'));
  });

  afterEach(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it("invokes test-recorder:create-suite with the initiator's own credentials", async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(created, clock);
    const { output, logs } = await runAction(
      createTestSuiteAction({ actions, clock }),
      {
        entityRef: 'Component:payouts-api',
        suite: SUITE,
        message: 'From the new-service template',
      },
    );

    expect(actions.calls).toHaveLength(1);
    expect(actions.calls[0].id).toBe('test-recorder:create-suite');
    // The very credentials of the user who started the task, never a service identity
    expect(actions.calls[0].credentials).toBe(INITIATOR);
    expect(actions.calls[0].credentials.principal).toEqual(
      expect.objectContaining({
        type: 'user',
        userEntityRef: 'user:default/ada',
      }),
    );
    expect(actions.calls[0].input).toEqual({
      entityRef: ENTITY_REF,
      definition: SUITE,
      message: 'From the new-service template',
    });
    expect(output).toEqual({
      name: 'payouts-api-smoke',
      version: 1,
      created: true,
      adopted: false,
    });
    expect(logs).toEqual([
      `The test suite "payouts-api-smoke" (version 1) belongs to ${ENTITY_REF}`,
      'Created test suite payouts-api-smoke: /test-recorder/suites/payouts-api-smoke',
    ]);
    expect(clock.sleeps).toEqual([]);
  });

  it('sends no message when the template gives none', async () => {
    const actions = new FakeActions(created);
    await runAction(createTestSuiteAction({ actions }), {
      entityRef: ENTITY_REF,
      suite: SUITE,
    });
    expect(actions.calls[0].input).toEqual({
      entityRef: ENTITY_REF,
      definition: SUITE,
    });
  });

  it('waits for the catalog to ingest the entity, retrying every 2 s, then creates the suite', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async (call, attempt) => {
      if (attempt <= 3) throw await entityNotFound();
      return created(call);
    }, clock);

    const { output, logs } = await runAction(
      createTestSuiteAction({ actions, clock }),
      { entityRef: ENTITY_REF, suite: SUITE },
    );

    expect(output).toEqual({
      name: 'payouts-api-smoke',
      version: 1,
      created: true,
      adopted: false,
    });
    expect(actions.calls).toHaveLength(4);
    expect(actions.calls.every(call => call.credentials === INITIATOR)).toBe(
      true,
    );
    expect(clock.sleeps).toEqual([2000, 2000, 2000]);
    expect(logs).toEqual([
      `waiting for the catalog to ingest ${ENTITY_REF} (0 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY_REF} (2 s of 120 s)`,
      `waiting for the catalog to ingest ${ENTITY_REF} (4 s of 120 s)`,
      `The test suite "payouts-api-smoke" (version 1) belongs to ${ENTITY_REF}`,
      'Created test suite payouts-api-smoke: /test-recorder/suites/payouts-api-smoke',
    ]);
  });

  it('also retries a not-found thrown in-process (an actions service without HTTP)', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions((call, attempt) => {
      if (attempt === 1) {
        throw new NotFoundError(
          `No entity ${ENTITY_REF} in the catalog (or you cannot see it)`,
        );
      }
      return created(call);
    }, clock);
    const { output } = await runAction(
      createTestSuiteAction({ actions, clock }),
      { entityRef: ENTITY_REF, suite: SUITE },
    );
    expect(output).toEqual({
      name: 'payouts-api-smoke',
      version: 1,
      created: true,
      adopted: false,
    });
    expect(actions.calls).toHaveLength(2);
  });

  it('gives up after waitForEntitySeconds with a message that says what to check', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await entityNotFound();
    }, clock);

    const run = runAction(createTestSuiteAction({ actions, clock }), {
      entityRef: ENTITY_REF,
      suite: SUITE,
      waitForEntitySeconds: 5,
    });

    await expect(run).rejects.toThrow(NotFoundError);
    await expect(run).rejects.toThrow(
      `The test recorder did not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: the catalog has not ingested ${ENTITY_REF} after waiting 5 s (No entity ${ENTITY_REF} in the catalog (or you cannot see it)). Check that an earlier step registered it, and the catalog's processing errors for it`,
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
      runAction(createTestSuiteAction({ actions, clock }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toThrow(`after waiting 120 s`);

    expect(clock.sleeps.every(ms => ms > 0 && ms <= 2000)).toBe(true);
    // The last request was sent at or after the deadline, none long after it
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
      runAction(createTestSuiteAction({ actions, clock }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
        waitForEntitySeconds: 0,
      }),
    ).rejects.toThrow(`after waiting 0 s`);
    expect(actions.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    [
      'permission denied',
      new NotAllowedError(
        `You are not allowed to do this: it needs the test-recorder.suite.edit permission on ${ENTITY_REF}`,
      ),
      403,
      'Forbidden',
      NotAllowedError,
    ],
    [
      'an invalid definition',
      new InputError(
        'definition.schedule.timeZone: "Mars/Olympus" is not a time zone this server knows (IANA names such as Europe/Berlin)',
      ),
      400,
      'Bad Request',
      InputError,
    ],
  ])(
    'fails at once on %s, with the test recorder message',
    async (_what, remote, status, statusText, type) => {
      const clock = new FakeClock();
      const actions = new FakeActions(async () => {
        throw await answered(remote, status, statusText);
      }, clock);

      const run = runAction(createTestSuiteAction({ actions, clock }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      });

      await expect(run).rejects.toThrow(type);
      await expect(run).rejects.toThrow(
        `The test recorder did not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: ${remote.message}`,
      );
      expect(actions.calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('fails at once when the test recorder action is missing, saying what to install', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await answered(
        new NotFoundError('Action "test-recorder:create-suite" not found'),
        404,
        'Not Found',
      );
    }, clock);
    await expect(
      runAction(createTestSuiteAction({ actions, clock }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toThrow(
      'Action "test-recorder:create-suite" not found (is @internal/plugin-test-recorder-backend installed, and test-recorder listed in backend.actions.pluginSources?)',
    );
    expect(actions.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("links the suite under app.baseUrl, and a failure lists what the template's earlier steps created", async () => {
    const events = await TaskEventsFake.start();
    try {
      const creationLog = events.creationLog();
      const ok = await runAction(
        createTestSuiteAction({
          actions: new FakeActions(created),
          appBaseUrl: 'http://portal.test:3000/',
          creationLog,
        }),
        { entityRef: ENTITY_REF, suite: SUITE },
      );
      expect(ok.logs).toContain(
        'Created test suite payouts-api-smoke: http://portal.test:3000/test-recorder/suites/payouts-api-smoke',
      );
      expect(events.requests).toEqual([]);

      events.log(
        'task-1',
        'Created SonarQube project comet-examples_payouts: http://sonar.test/dashboard?id=comet-examples_payouts',
        'sonarqube',
      );
      const error = await runAction(
        createTestSuiteAction({
          actions: new FakeActions(async () => {
            throw await answered(
              new NotAllowedError('You may not edit the suites of this entity'),
              403,
              'Forbidden',
            );
          }),
          creationLog,
        }),
        { entityRef: ENTITY_REF, suite: SUITE },
      ).catch(e => e);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toBe(
        [
          `The test recorder did not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: You may not edit the suites of this entity`,
          '',
          'Already created by this run:',
          '- SonarQube project comet-examples_payouts (http://sonar.test/dashboard?id=comet-examples_payouts)',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
    } finally {
      await events.close();
    }
  });

  it('fails at once when another entity is not found', async () => {
    const clock = new FakeClock();
    const actions = new FakeActions(async () => {
      throw await entityNotFound('group:default/team-z');
    }, clock);
    await expect(
      runAction(createTestSuiteAction({ actions, clock }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toThrow('No entity group:default/team-z in the catalog');
    expect(actions.calls).toHaveLength(1);
  });

  it('fails at once when the test recorder cannot be reached', async () => {
    const actions = new FakeActions(() => {
      throw new TypeError('fetch failed');
    });
    const run = runAction(createTestSuiteAction({ actions }), {
      entityRef: ENTITY_REF,
      suite: SUITE,
    });
    await expect(run).rejects.toThrow(
      `The test recorder did not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: fetch failed`,
    );
    expect(actions.calls).toHaveLength(1);
  });

  it('refuses an answer that is not a suite', async () => {
    const actions = new FakeActions(() => ({ name: 'payouts-api-smoke' }));
    await expect(
      runAction(createTestSuiteAction({ actions }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toThrow(
      `test-recorder:create-suite answered {"name":"payouts-api-smoke"} instead of the suite's name and version`,
    );
  });

  it('adopts the suite of that name the entity already owns (a re-run), changing nothing', async () => {
    const actions = new FakeActions(
      byAction({
        'test-recorder:create-suite': async () => {
          throw await nameTaken(ENTITY_REF);
        },
        'test-recorder:list-suites': () => ({
          suites: [
            { name: 'payouts-api-other', version: 1, tests: 1 },
            { name: 'payouts-api-smoke', version: 3, tests: 1 },
          ],
          missing: [],
        }),
      }),
    );
    const { output, logs } = await runAction(
      createTestSuiteAction({ actions }),
      { entityRef: ENTITY_REF, suite: SUITE },
    );
    expect(output).toEqual({
      name: 'payouts-api-smoke',
      version: 3,
      created: false,
      adopted: true,
    });
    expect(logs).toEqual([
      `Adopted the test suite "payouts-api-smoke" (version 3) of ${ENTITY_REF}, which owns it; nothing changed`,
      'Adopted test suite payouts-api-smoke: /test-recorder/suites/payouts-api-smoke',
    ]);
    expect(actions.calls.map(c => [c.id, c.input, c.credentials])).toEqual([
      [
        'test-recorder:create-suite',
        { entityRef: ENTITY_REF, definition: SUITE },
        INITIATOR,
      ],
      ['test-recorder:list-suites', { entityRef: ENTITY_REF }, INITIATOR],
    ]);
  });

  it('refuses a suite of that name another entity owns, with the test recorder message', async () => {
    const actions = new FakeActions(
      byAction({
        'test-recorder:create-suite': async () => {
          throw await nameTaken('component:default/someone-else');
        },
        'test-recorder:list-suites': () => ({
          suites: [{ name: 'payouts-api-other', version: 1 }],
          missing: [],
        }),
      }),
    );
    const run = runAction(createTestSuiteAction({ actions }), {
      entityRef: ENTITY_REF,
      suite: SUITE,
    });
    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow(
      `The test recorder did not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: A test suite named "payouts-api-smoke" already exists, owned by component:default/someone-else; choose another name`,
    );
  });

  it("says so when it cannot read the entity's suites after a conflict", async () => {
    const failing = new FakeActions(
      byAction({
        'test-recorder:create-suite': async () => {
          throw await nameTaken(ENTITY_REF);
        },
        'test-recorder:list-suites': async () => {
          throw await answered(
            new NotFoundError('Action "test-recorder:list-suites" not found'),
            404,
            'Not Found',
          );
        },
      }),
    );
    await expect(
      runAction(createTestSuiteAction({ actions: failing }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `The test recorder could not list the test suites of ${ENTITY_REF}: Action "test-recorder:list-suites" not found (is @internal/plugin-test-recorder-backend installed, and test-recorder listed in backend.actions.pluginSources?)`,
    });
    const garbled = new FakeActions(
      byAction({
        'test-recorder:create-suite': async () => {
          throw await nameTaken(ENTITY_REF);
        },
        'test-recorder:list-suites': () => ({ suites: 'none' }),
      }),
    );
    await expect(
      runAction(createTestSuiteAction({ actions: garbled }), {
        entityRef: ENTITY_REF,
        suite: SUITE,
      }),
    ).rejects.toThrow(
      `test-recorder:list-suites answered {"suites":"none"} instead of the entity's suites`,
    );
  });

  it('a retried step returns the suite its first run created, without creating it again', async () => {
    const actions = new FakeActions(created);
    const checkpoints = new Map<string, unknown>();
    const action = createTestSuiteAction({ actions });
    const first = await runAction(
      action,
      { entityRef: ENTITY_REF, suite: SUITE },
      { checkpoints },
    );
    const again = await runAction(
      action,
      { entityRef: ENTITY_REF, suite: SUITE },
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
        createTestSuiteAction({ actions }),
        { entityRef: ENTITY_REF, suite: SUITE },
        { signal: controller.signal },
      ),
    ).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(actions.calls).toHaveLength(1);
  });

  describe('inputs', () => {
    const actions = new FakeActions(created);
    const action = createTestSuiteAction({ actions });
    beforeEach(() => {
      actions.calls.length = 0;
    });

    it.each([
      [{ entityRef: ENTITY_REF }, 'Give either suite'],
      [
        { entityRef: ENTITY_REF, suite: SUITE, suiteFile: 'smoke.json' },
        'not both or neither',
      ],
      [
        { entityRef: 'not a ref', suite: SUITE },
        'entityRef: "not a ref" is not an entity ref, e.g. component:default/payments-api',
      ],
      [
        { entityRef: ENTITY_REF, suite: SUITE, waitForEntitySeconds: 601 },
        'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
      ],
      [
        { entityRef: ENTITY_REF, suite: SUITE, waitForEntitySeconds: 1.5 },
        'waitForEntitySeconds: must be a whole number of seconds from 0 to 600',
      ],
    ])('refuses %j', async (input, message) => {
      const run = runAction(action, input);
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(message);
      expect(actions.calls).toEqual([]);
    });

    it('refuses an invalid suite with its fields, before invoking anything', async () => {
      const run = runAction(action, {
        entityRef: ENTITY_REF,
        suite: {
          ...SUITE,
          baseUrl: 'payouts-api.example.com',
          tests: [
            {
              ...SUITE.tests[0],
              steps: [{ id: 's1', action: 'navigat', url: '/' }],
            },
          ],
        },
      });
      await expect(run).rejects.toThrow(InputError);
      const error = await run.catch(e => e);
      expect(error.message).toMatch(/^suite: Invalid test suite: /);
      expect(error.message).toContain('baseUrl: ');
      expect(error.message).toContain('tests[0].steps[0].action: ');
      expect(actions.calls).toEqual([]);
    });

    it('refuses a suite too large for the actions registry', async () => {
      const tests = Array.from({ length: 400 }, (_, index) => ({
        id: `t${index}`,
        name: `test ${index}`,
        steps: [
          {
            id: 's1',
            action: 'navigate',
            url: `/a-rather-long-path-to-page-number-${index}-${'x'.repeat(
              200,
            )}`,
          },
        ],
      }));
      await expect(
        runAction(action, {
          entityRef: ENTITY_REF,
          suite: { ...SUITE, tests },
        }),
      ).rejects.toThrow(
        /^suite: the test suite "payouts-api-smoke" \(400 tests\) for component:default\/payouts-api is \d+ KiB as JSON; the test recorder's actions take at most 100 KiB: split it into several suites$/,
      );
      expect(actions.calls).toEqual([]);
    });
  });

  describe('suiteFile', () => {
    const actions = new FakeActions(created);
    const action = createTestSuiteAction({ actions });
    beforeEach(() => {
      actions.calls.length = 0;
    });

    async function writeSuiteFile(path: string, content: string) {
      const full = join(workspace, path);
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, content);
    }

    it('reads a suite file of the workspace; its entityRef must be the entity', async () => {
      const text = await readFile(EXAMPLE_SUITE_FILE, 'utf8');
      await writeSuiteFile('test-suites/smoke.json', text);
      const { entityRef, ...definition } = JSON.parse(text);
      expect(entityRef).toBe('component:default/payments-api');

      const { output } = await runAction(
        action,
        {
          entityRef: 'component:payments-api',
          suiteFile: 'test-suites/smoke.json',
        },
        { workspacePath: workspace },
      );

      expect(output).toEqual({
        name: 'payments-api-smoke',
        version: 1,
        created: true,
        adopted: false,
      });
      expect(actions.calls).toHaveLength(1);
      expect(actions.calls[0].input).toEqual({
        entityRef: 'component:default/payments-api',
        definition,
      });
      expect(actions.calls[0].credentials).toBe(INITIATOR);
    });

    it('refuses a suite file that belongs to another entity', async () => {
      await writeSuiteFile(
        'smoke.json',
        await readFile(EXAMPLE_SUITE_FILE, 'utf8'),
      );
      await expect(
        runAction(
          action,
          { entityRef: ENTITY_REF, suiteFile: 'smoke.json' },
          { workspacePath: workspace },
        ),
      ).rejects.toThrow(
        `suiteFile: "smoke.json" belongs to component:default/payments-api, not to ${ENTITY_REF}; change the file's entityRef or remove it`,
      );
      expect(actions.calls).toEqual([]);
    });

    it('takes a suite file without entityRef', async () => {
      await writeSuiteFile('smoke.json', JSON.stringify(SUITE, null, 2));
      const { output } = await runAction(
        action,
        { entityRef: ENTITY_REF, suiteFile: './smoke.json' },
        { workspacePath: workspace },
      );
      expect(output).toEqual({
        name: 'payouts-api-smoke',
        version: 1,
        created: true,
        adopted: false,
      });
      expect(actions.calls[0].input!.definition).toEqual(SUITE);
    });

    it('refuses JSON that does not parse with file:line:column', async () => {
      await writeSuiteFile(
        'test-suites/smoke.json',
        '{\n  "name": "payouts-api-smoke",\n  "baseUrl": "https://payouts-api.example.com",\n  "tests": [],\n}\n',
      );
      const run = runAction(
        action,
        { entityRef: ENTITY_REF, suiteFile: 'test-suites/smoke.json' },
        { workspacePath: workspace },
      );
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(
        'suiteFile: test-suites/smoke.json:5:1: trailing comma before "}"',
      );
      expect(actions.calls).toEqual([]);
    });

    it('refuses an invalid field with file:line and the field', async () => {
      const text = JSON.stringify(
        {
          ...SUITE,
          tests: [
            {
              ...SUITE.tests[0],
              steps: [
                SUITE.tests[0].steps[0],
                {
                  id: 's2',
                  action: 'click',
                  target: { locator: { kind: 'xpath', value: '//h1' } },
                },
              ],
            },
          ],
        },
        null,
        2,
      );
      await writeSuiteFile('smoke.json', text);
      const line =
        text.split('\n').findIndex(l => l.includes('"kind": "xpath"')) + 1;
      const run = runAction(
        action,
        { entityRef: ENTITY_REF, suiteFile: 'smoke.json' },
        { workspacePath: workspace },
      );
      await expect(run).rejects.toThrow(InputError);
      const error = await run.catch(e => e);
      expect(error.message).toMatch(
        new RegExp(
          `^suiteFile: smoke\\.json:${line}: tests\\[0\\]\\.steps\\[1\\]\\.target\\.locator\\.kind: `,
        ),
      );
      expect(actions.calls).toEqual([]);
    });

    it.each([
      ['../outside.json'],
      ['test-suites/../../outside.json'],
      ['/etc/passwd'],
    ])('refuses %s, outside the workspace', async suiteFile => {
      const run = runAction(
        action,
        { entityRef: ENTITY_REF, suiteFile },
        { workspacePath: workspace },
      );
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(
        `suiteFile: "${suiteFile}" is outside the task workspace (or links there); give a path inside it, e.g. test-suites/smoke.json`,
      );
      expect(actions.calls).toEqual([]);
    });

    it('refuses a link that leads outside the workspace', async () => {
      const outside = await mkdtemp(join(tmpdir(), 'test-recorder-outside-'));
      try {
        await writeFile(join(outside, 'suite.json'), JSON.stringify(SUITE));
        await symlink(
          join(outside, 'suite.json'),
          join(workspace, 'smoke.json'),
        );
        await expect(
          runAction(
            action,
            { entityRef: ENTITY_REF, suiteFile: 'smoke.json' },
            { workspacePath: workspace },
          ),
        ).rejects.toThrow(
          'suiteFile: "smoke.json" is outside the task workspace (or links there)',
        );
        expect(actions.calls).toEqual([]);
      } finally {
        await rm(outside, { recursive: true, force: true });
      }
    });

    it('refuses a missing file, a folder and a file too large', async () => {
      await mkdir(join(workspace, 'test-suites'));
      await writeSuiteFile('huge.json', ' '.repeat(MAX_SUITE_FILE_BYTES + 1));
      const cases: Array<[string, string]> = [
        [
          'missing.json',
          'suiteFile: there is no file "missing.json" in the task workspace (an earlier step, e.g. fetch:template, puts it there)',
        ],
        ['test-suites', 'suiteFile: "test-suites" is not a file'],
        [
          'huge.json',
          `suiteFile: "huge.json" is ${
            MAX_SUITE_FILE_BYTES + 1
          } bytes; a suite file may have at most ${MAX_SUITE_FILE_BYTES}`,
        ],
      ];
      for (const [suiteFile, message] of cases) {
        await expect(
          runAction(
            action,
            { entityRef: ENTITY_REF, suiteFile },
            { workspacePath: workspace },
          ),
        ).rejects.toThrow(message);
      }
      expect(actions.calls).toEqual([]);
    });
  });

  describe('dry run', () => {
    it('validates the suite, reads whether its name is taken, and creates nothing', async () => {
      const actions = new FakeActions(
        byAction({
          'test-recorder:get-suite': async () => {
            throw await suiteNotFound('payments-api-smoke');
          },
        }),
      );
      await writeFile(
        join(workspace, 'smoke.json'),
        await readFile(EXAMPLE_SUITE_FILE, 'utf8'),
      );
      const { output, logs } = await runAction(
        createTestSuiteAction({ actions }),
        {
          entityRef: 'component:default/payments-api',
          suiteFile: 'smoke.json',
        },
        { isDryRun: true, workspacePath: workspace },
      );
      expect(output).toEqual({
        name: 'payments-api-smoke',
        version: 0,
        created: false,
        adopted: false,
      });
      expect(logs).toEqual([
        'Dry run: would create the test suite "payments-api-smoke" (2 tests) for component:default/payments-api',
      ]);
      expect(actions.calls.map(c => [c.id, c.input])).toEqual([
        ['test-recorder:get-suite', { suite: 'payments-api-smoke' }],
      ]);
    });

    it('asks the edit permission the real run needs, when the entity exists', async () => {
      const actions = new FakeActions(
        byAction({
          'test-recorder:list-suites': () => ({ suites: [], missing: [] }),
          'test-recorder:get-suite': async () => {
            throw await suiteNotFound();
          },
        }),
      );
      const asked: Array<[string, string]> = [];
      const action = (answer: 'allowed' | 'denied' | 'missing') =>
        createTestSuiteAction({
          actions,
          mayEdit: async (credentials, entityRef) => {
            asked.push([
              (credentials.principal as { userEntityRef: string })
                .userEntityRef,
              entityRef,
            ]);
            return answer;
          },
        });
      const input = { entityRef: ENTITY_REF, suite: SUITE };
      await expect(
        runAction(action('denied'), input, { isDryRun: true }),
      ).rejects.toThrow(
        `You may not create test suites for ${ENTITY_REF} (test-recorder.suite.edit)`,
      );
      expect(actions.calls).toEqual([]);
      for (const answer of ['allowed', 'missing'] as const) {
        const { output } = await runAction(action(answer), input, {
          isDryRun: true,
        });
        expect(output.version).toBe(0);
      }
      expect(asked).toEqual([
        ['user:default/ada', ENTITY_REF],
        ['user:default/ada', ENTITY_REF],
        ['user:default/ada', ENTITY_REF],
      ]);
      // Reads only: the entity's suites when it exists, then the name
      expect(actions.calls.map(c => c.id)).toEqual([
        'test-recorder:list-suites',
        'test-recorder:get-suite',
        'test-recorder:get-suite',
      ]);
    });

    it("says it would adopt the entity's own suite, and refuses a name another entity has", async () => {
      const mayEdit = async () => 'allowed' as const;
      const input = { entityRef: ENTITY_REF, suite: SUITE };
      const own = new FakeActions(
        byAction({
          'test-recorder:list-suites': () => ({
            suites: [{ name: 'payouts-api-smoke', version: 2 }],
            missing: [],
          }),
        }),
      );
      const adopted = await runAction(
        createTestSuiteAction({ actions: own, mayEdit }),
        input,
        { isDryRun: true },
      );
      expect(adopted.output).toEqual({
        name: 'payouts-api-smoke',
        version: 2,
        created: false,
        adopted: true,
      });
      expect(adopted.logs).toEqual([
        `Dry run: would adopt the test suite "payouts-api-smoke" (version 2) of ${ENTITY_REF}, which owns it; nothing changed`,
      ]);

      const conflict = `The test recorder would not create the test suite "payouts-api-smoke" (1 test) for ${ENTITY_REF}: a test suite named "payouts-api-smoke" already exists and ${ENTITY_REF} does not own it; choose another name`;
      // Someone else's suite, readable or not
      for (const getSuite of [
        () => ({ definition: SUITE, version: 1, files: [] }),
        async () => {
          throw await answered(
            new NotAllowedError('You may not read this suite'),
            403,
            'Forbidden',
          );
        },
      ]) {
        const taken = new FakeActions(
          byAction({
            'test-recorder:list-suites': () => ({ suites: [], missing: [] }),
            'test-recorder:get-suite': getSuite,
          }),
        );
        await expect(
          runAction(createTestSuiteAction({ actions: taken, mayEdit }), input, {
            isDryRun: true,
          }),
        ).rejects.toMatchObject({ name: 'ConflictError', message: conflict });
      }

      const unreachable = new FakeActions(() => {
        throw new TypeError('fetch failed');
      });
      await expect(
        runAction(createTestSuiteAction({ actions: unreachable }), input, {
          isDryRun: true,
        }),
      ).rejects.toThrow(
        'The test recorder could not look up the test suite "payouts-api-smoke": fetch failed',
      );
    });

    it('fails on an invalid suite as a real run would', async () => {
      const actions = new FakeActions(created);
      await expect(
        runAction(
          createTestSuiteAction({ actions }),
          { entityRef: ENTITY_REF, suite: { ...SUITE, tests: 'none' } },
          { isDryRun: true },
        ),
      ).rejects.toThrow('suite: Invalid test suite: tests: must be an array');
      expect(actions.calls).toEqual([]);
    });
  });
});
