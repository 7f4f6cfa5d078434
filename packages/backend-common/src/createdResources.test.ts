import { ConflictError } from '@backstage/errors';
import { mockServices } from '@backstage/backend-test-utils';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import {
  createdLine,
  describeCreated,
  parseCreatedLine,
  TaskCreationLog,
} from './createdResources';
import { INITIATOR, runAction, TaskEventsFake } from './testUtils';

const JOB = {
  how: 'Created' as const,
  kind: 'Jenkins job' as const,
  name: 'payments/payouts',
  url: 'http://jenkins.test/job/payments/job/payouts/',
};

describe('createdLine and parseCreatedLine', () => {
  it('write one line and read it back, with or without the task log prefix', () => {
    expect(createdLine(JOB)).toBe(
      'Created Jenkins job payments/payouts: http://jenkins.test/job/payments/job/payouts/',
    );
    expect(parseCreatedLine(createdLine(JOB))).toEqual(JOB);
    expect(
      parseCreatedLine(`\u001b[32minfo\u001b[39m: ${createdLine(JOB)}`),
    ).toEqual(JOB);
    expect(parseCreatedLine(`info: ${createdLine(JOB)}`)).toEqual(JOB);
    // A name with spaces and a colon: the URL is what follows the last ": "
    expect(
      parseCreatedLine(
        'Adopted Jira component Payments: API: http://jira.test/issues/?jql=x',
      ),
    ).toEqual({
      how: 'Adopted',
      kind: 'Jira component',
      name: 'Payments: API',
      url: 'http://jira.test/issues/?jql=x',
    });
  });

  it('reads no other line', () => {
    for (const line of [
      'Dry run: would create Jenkins job payments/payouts on instance "default"',
      'Created the component "payouts" (id 1) in Jira project PAY',
      'Created Jenkins thing x: http://x',
      'Created Jenkins job payments/payouts',
      'Started run 1 of the pipeline',
    ]) {
      expect({ line, parsed: parseCreatedLine(line) }).toEqual({
        line,
        parsed: undefined,
      });
    }
  });
});

describe('describeCreated', () => {
  it('lists what was created and adopted, and says a re-run resumes', () => {
    expect(
      describeCreated([
        {
          how: 'Created',
          kind: 'repository',
          name: 'payouts',
          url: 'http://portal.test/api/example-repos/payouts.git',
        },
        { ...JOB, how: 'Adopted' },
      ]),
    ).toBe(
      [
        'Already created by this run:',
        '- repository payouts (http://portal.test/api/example-repos/payouts.git)',
        '- Jenkins job payments/payouts (http://jenkins.test/job/payments/job/payouts/), adopted from an earlier run',
        'Run the template again with the same name to resume: it adopts these.',
      ].join('\n'),
    );
    expect(describeCreated([])).toBe('Nothing was created yet.');
  });

  it('never shows credentials a URL carries', () => {
    const text = describeCreated([
      { ...JOB, url: 'http://comet:s3cret@jenkins.test/job/x/' },
      { ...JOB, name: 'relative', url: '/test-recorder/suites/x' },
    ]);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('comet@');
    expect(text).toContain('(http://jenkins.test/job/x/)');
    expect(text).toContain('(/test-recorder/suites/x)');
  });
});

describe('TaskCreationLog', () => {
  let fake: TaskEventsFake;
  beforeEach(async () => {
    fake = await TaskEventsFake.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  const context = (taskId = 'task-1') => ({
    task: { id: taskId },
    logger: mockServices.logger.mock(),
    getInitiatorCredentials: async () => INITIATOR,
  });

  it("reads the task's own log as its initiator, each resource once", async () => {
    fake.log('task-1', 'Checking the name');
    fake.log('task-1', 'Created repository payouts: http://portal.test/r.git');
    fake.log('task-1', createdLine(JOB));
    fake.log('task-1', createdLine(JOB));
    fake.log('task-2', 'Created repository other: http://portal.test/o.git');
    fake.events.get('task-1')!.push({
      id: 99,
      type: 'completion',
      body: { message: 'Created repository nope: http://x' },
    });
    const resources = await fake.creationLog().read(context());
    expect(resources).toEqual([
      {
        how: 'Created',
        kind: 'repository',
        name: 'payouts',
        url: 'http://portal.test/r.git',
      },
      JOB,
    ]);
    expect(fake.requests).toEqual([
      {
        path: '/api/scaffolder/v2/tasks/task-1/events',
        authorization: expect.stringMatching(/^Bearer .+/),
      },
    ]);
    // The token is on the initiator's behalf, for the scaffolder
    expect(fake.requests[0].authorization).toContain('user:default/ada');
    expect(fake.requests[0].authorization).toContain('scaffolder');
  });

  it('keeps the reason first and appends the list to the same error', async () => {
    fake.log('task-1', createdLine(JOB));
    const error = new ConflictError('Jira component payouts is taken');
    const explained = await fake.creationLog().explain(error, context(), [
      {
        how: 'Created',
        kind: 'SonarQube project',
        name: 'p',
        url: 'http://s/p',
      },
    ]);
    expect(explained).toBe(error);
    expect(explained.name).toBe('ConflictError');
    expect(explained.message).toBe(
      [
        'Jira component payouts is taken',
        '',
        'Already created by this run:',
        '- Jenkins job payments/payouts (http://jenkins.test/job/payments/job/payouts/)',
        '- SonarQube project p (http://s/p)',
        'Run the template again with the same name to resume: it adopts these.',
      ].join('\n'),
    );
    const nothing = await fake
      .creationLog()
      .explain('a string was thrown', context('task-empty'));
    expect(nothing.message).toBe(
      'a string was thrown\n\nNothing was created yet.',
    );
  });

  it('says the list could not be read, never hiding the reason', async () => {
    fake.status = 403;
    const denied = await fake
      .creationLog()
      .explain(new Error('Jira is down'), context());
    expect(denied.message).toBe(
      "Jira is down\n\nWhat this run already created could not be read (the scaffolder answered 403 for the task's log); the task's log lists it.",
    );
    const withOwn = await fake
      .creationLog()
      .explain(new Error('tagging failed'), context(), [JOB]);
    expect(withOwn.message).toContain(
      "could not be read (the scaffolder answered 403 for the task's log); the task's log lists it.\nThis step had created:\n- Jenkins job payments/payouts",
    );

    const outside = await fake
      .creationLog()
      .explain(new Error('boom'), { ...context(), task: undefined });
    expect(outside.message).toContain(
      'could not be read (the action runs outside a scaffolder task)',
    );

    const creationLog = fake.creationLog();
    await fake.close();
    const down = await creationLog.explain(new Error('boom'), context());
    expect(down.message).toMatch(
      /^boom\n\nWhat this run already created could not be read \(the scaffolder could not be reached \([A-Z_]+\)\); the task's log lists it\.$/,
    );
  });

  it('gives up on a scaffolder that does not answer, or answers something else', async () => {
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    const log = (timeoutMs: number, path = '') =>
      TaskCreationLog.create({
        discovery: {
          getBaseUrl: async () => `http://127.0.0.1:${port}${path}`,
        },
        auth: mockServices.auth(),
        timeoutMs,
      });
    try {
      await expect(log(200).read(context())).rejects.toThrow(
        'the scaffolder did not answer within 0.2 s',
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }

    const notAList = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"events":[]}');
    });
    notAList.listen(0, '127.0.0.1');
    await once(notAList, 'listening');
    try {
      await expect(
        TaskCreationLog.create({
          discovery: {
            getBaseUrl: async () =>
              `http://127.0.0.1:${(notAList.address() as AddressInfo).port}`,
          },
          auth: mockServices.auth(),
        }).read(context()),
      ).rejects.toThrow("the scaffolder's answer is not a list of task events");
    } finally {
      notAList.close();
    }
  });

  describe('guard', () => {
    const action = (fail: boolean) => ({
      id: 'test:thing:create',
      supportsDryRun: true,
      async handler(ctx: any) {
        ctx.logger.info('Checking');
        ctx.logger
          .child({ step: 'x' })
          .info('Created SonarQube project p: http://sonar.test/p');
        ctx.logger.warn('careful');
        ctx.logger.error('bad');
        ctx.logger.debug('detail');
        ctx.output('done', true);
        if (fail) throw new ConflictError('Jira said no');
      },
    });

    it('appends what the task and the step itself created to a failure of a real run', async () => {
      fake.log('task-1', createdLine(JOB));
      const guarded = fake.creationLog().guard(action(true));
      expect(guarded.id).toBe('test:thing:create');
      expect(guarded.supportsDryRun).toBe(true);
      const error = await runAction(guarded as any, {}).catch(e => e);
      expect(error.name).toBe('ConflictError');
      expect(error.message).toBe(
        [
          'Jira said no',
          '',
          'Already created by this run:',
          '- Jenkins job payments/payouts (http://jenkins.test/job/payments/job/payouts/)',
          '- SonarQube project p (http://sonar.test/p)',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
    });

    it('leaves a success, and a dry run, as they are', async () => {
      const guarded = fake.creationLog().guard(action(false));
      const { output, logs } = await runAction(guarded as any, {});
      expect(output).toEqual({ done: true });
      expect(logs).toEqual(['Checking', 'careful', 'bad', 'detail']);
      const dry = await runAction(
        fake.creationLog().guard(action(true)) as any,
        {},
        { isDryRun: true },
      ).catch(e => e);
      expect(dry.message).toBe('Jira said no');
      expect(fake.requests).toEqual([]);
    });
  });
});
