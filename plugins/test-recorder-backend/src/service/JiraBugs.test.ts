import { mockCredentials } from '@backstage/backend-test-utils';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { TestRun } from '@internal/plugin-test-recorder-common';
import { JIRA_CREATE_ISSUE_ACTION, JiraBugs } from './JiraBugs';

const ada = mockCredentials.user('user:default/ada');
const bob = mockCredentials.user('user:default/bob');
const SECRET = 'hunter2-very-secret';

function failedRun(): TestRun {
  return {
    runId: 'run-1',
    suiteName: 'storefront-checkout',
    suiteVersion: 3,
    entityRef: 'component:default/storefront-web',
    status: 'failed',
    trigger: 'manual',
    triggeredBy: 'user:default/ada',
    createdAt: '2026-12-06T04:00:00.000Z',
    baseUrl: 'http://127.0.0.1:4173',
    project: 'Pixel 7',
    retries: 1,
    commit: 'abc123',
    counts: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
    results: [
      {
        testId: 'search',
        testName: 'Search',
        status: 'passed',
        quarantined: false,
        durationMs: 100,
        attempts: [
          { attempt: 1, status: 'passed', durationMs: 100, steps: [] },
        ],
      },
      {
        testId: 'checkout',
        testName: 'Checkout',
        status: 'failed',
        quarantined: false,
        durationMs: 900,
        attempts: [
          {
            attempt: 1,
            status: 'failed',
            durationMs: 400,
            error: { message: 'first try', signature: 'x' },
            steps: [],
          },
          {
            attempt: 2,
            status: 'failed',
            durationMs: 500,
            error: {
              message: `Expected "Total: 12.00" but got "Total: 0.00" after typing ${SECRET}\nCall log: ...`,
              stepId: 's3',
              stepIndex: 2,
              signature: 'expected total',
            },
            videoArtifactId: 'video-1',
            traceArtifactId: 'trace-1',
            steps: [
              {
                stepId: 's1',
                index: 0,
                action: 'navigate',
                status: 'passed',
                durationMs: 10,
                screenshotArtifactId: 'shot-1',
              },
              {
                stepId: 's3',
                index: 2,
                action: 'assertText',
                status: 'failed',
                durationMs: 10,
                screenshotArtifactId: 'shot-3',
                visual: {
                  name: 'cart',
                  status: 'differs',
                  actualArtifactId: 'actual-1',
                  diffArtifactId: 'diff-1',
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

function setup(options: { actionIds?: string[]; listFails?: boolean } = {}) {
  const invocations: any[] = [];
  let lists = 0;
  let now = 1_000_000;
  const bugs = new JiraBugs({
    actions: {
      async list() {
        lists++;
        if (options.listFails) throw new Error('actions registry down');
        return {
          actions: (options.actionIds ?? [JIRA_CREATE_ISSUE_ACTION]).map(
            id => ({ id } as any),
          ),
        };
      },
      async invoke(request) {
        invocations.push(request);
        return {
          output: {
            key: 'SHOP-42',
            url: 'https://jira.example.com/browse/SHOP-42',
          },
        };
      },
    },
    getRun: async (credentials, runId) => {
      if (credentials === bob) throw new NotAllowedError('bob may not read');
      if (runId !== 'run-1') throw new Error(`unexpected run ${runId}`);
      return failedRun();
    },
    secretsOf: async suite => (suite === 'storefront-checkout' ? [SECRET] : []),
    appBaseUrl: 'https://comet.example.com/',
    now: () => now,
  });
  return {
    bugs,
    invocations,
    lists: () => lists,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('JiraBugs', () => {
  it('files a bug through the Jira action with the caller, masking secrets', async () => {
    const { bugs, invocations } = setup();
    await expect(bugs.create(ada, 'run-1', 'checkout', {})).resolves.toEqual({
      key: 'SHOP-42',
      url: 'https://jira.example.com/browse/SHOP-42',
    });
    expect(invocations).toHaveLength(1);
    const [{ id, credentials, input }] = invocations;
    expect(id).toBe('jira:create-issue');
    expect(credentials).toBe(ada);
    expect(input).toMatchObject({
      entityRef: 'component:default/storefront-web',
      issueType: 'Bug',
      labels: ['comet-test-recorder'],
      summary:
        'Checkout fails in storefront-checkout: Expected "Total: 12.00" but got "Total: 0.00" after typing ***',
    });
    expect(input.projectKey).toBeUndefined();
    const description: string = input.description;
    expect(description).not.toContain(SECRET);
    expect(description).toContain('after typing ***');
    expect(description).toContain('Failed at step 3 (`assertText`, id `s3`):');
    const page = 'https://comet.example.com/test-recorder/runs/run-1';
    expect(description).toContain(
      `[Screenshot](${page}?test=checkout&artifact=shot-3)`,
    );
    expect(description).toContain(
      `[Video](${page}?test=checkout&artifact=video-1)`,
    );
    expect(description).toContain(
      `[Playwright trace](${page}?test=checkout&artifact=trace-1)`,
    );
    expect(description).toContain(
      `[Visual difference](${page}?test=checkout&artifact=diff-1)`,
    );
    expect(description).toContain('- Commit: abc123');
    expect(description).toContain(
      '- Base URL: http://127.0.0.1:4173 (Pixel 7)',
    );
  });

  it('takes the summary, project and issue type the user gives', async () => {
    const { bugs, invocations } = setup();
    await bugs.create(ada, 'run-1', 'checkout', {
      summary: `  Cart total is zero ${SECRET} `,
      projectKey: 'SHOP',
      issueType: 'Task',
    });
    expect(invocations[0].input).toMatchObject({
      summary: 'Cart total is zero ***',
      projectKey: 'SHOP',
      issueType: 'Task',
    });
  });

  it('refuses a test that passed, an unknown test and a caller who may not read', async () => {
    const { bugs, invocations } = setup();
    await expect(bugs.create(ada, 'run-1', 'search', {})).rejects.toThrow(
      'Test search did not fail in run run-1: there is no failure to report',
    );
    await expect(bugs.create(ada, 'run-1', 'ghost', {})).rejects.toThrow(
      'Run run-1 has no result for test ghost',
    );
    await expect(bugs.create(bob, 'run-1', 'checkout', {})).rejects.toThrow(
      'bob may not read',
    );
    expect(invocations).toEqual([]);
  });

  it('says Jira is not configured when its action is not offered', async () => {
    const { bugs, invocations } = setup({ actionIds: ['catalog:get-entity'] });
    expect(await bugs.available(ada)).toBe(false);
    await expect(bugs.create(ada, 'run-1', 'checkout', {})).rejects.toThrow(
      'Jira is not configured in this portal (jira.instances in app-config.yaml), or you may not create issues',
    );
    expect(invocations).toEqual([]);
    expect(await setup({ listFails: true }).bugs.available(ada)).toBe(false);
  });

  it('remembers availability a minute per caller', async () => {
    const { bugs, lists, advance } = setup();
    expect(await bugs.available(ada)).toBe(true);
    expect(await bugs.available(ada)).toBe(true);
    expect(lists()).toBe(1);
    expect(await bugs.available(bob)).toBe(true);
    expect(lists()).toBe(2);
    advance(60_001);
    expect(await bugs.available(ada)).toBe(true);
    expect(lists()).toBe(3);
  });

  it('fails clearly when the Jira action answers without a key', async () => {
    const bugs = new JiraBugs({
      actions: {
        list: async () => ({
          actions: [{ id: JIRA_CREATE_ISSUE_ACTION } as any],
        }),
        invoke: async () => ({ output: { error: 'nope' } }),
      },
      getRun: async () => failedRun(),
      secretsOf: async () => [],
      appBaseUrl: 'https://comet.example.com',
    });
    await expect(bugs.create(ada, 'run-1', 'checkout', {})).rejects.toThrow(
      'jira:create-issue answered without a key',
    );
  });
});

describe('JiraBugs errors from Jira', () => {
  const make = (error: Error) =>
    new JiraBugs({
      actions: {
        list: async () => ({
          actions: [{ id: JIRA_CREATE_ISSUE_ACTION } as any],
        }),
        invoke: async () => {
          throw error;
        },
      },
      getRun: async () => failedRun(),
      secretsOf: async () => [],
      appBaseUrl: 'https://comet.example.com',
    });

  it('keeps the kind of a refusal the Jira action answered with', async () => {
    const response = Object.assign(new Error('Request failed with 403'), {
      name: 'ResponseError',
      cause: {
        name: 'NotAllowedError',
        message: 'you may not create issues in SHOP',
      },
    });
    const refused = make(response).create(ada, 'run-1', 'checkout', {});
    await expect(refused).rejects.toThrow(
      'Jira refused the bug: you may not create issues in SHOP',
    );
    await expect(refused).rejects.toHaveProperty('name', 'NotAllowedError');
    const input = make(new InputError('projectKey: SHOP is not one of PAY'));
    await expect(
      input.create(ada, 'run-1', 'checkout', {}),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: 'Jira refused the bug: projectKey: SHOP is not one of PAY',
    });
  });

  it('passes other failures on as they are', async () => {
    await expect(
      make(new Error('socket hang up')).create(ada, 'run-1', 'checkout', {}),
    ).rejects.toThrow(/^socket hang up$/);
  });
});
