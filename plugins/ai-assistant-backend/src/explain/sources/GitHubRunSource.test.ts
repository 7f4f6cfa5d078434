import { TestDatabases } from '@backstage/backend-test-utils';
import {
  ADA,
  startExplainBackend,
} from '../../__testUtils__/explainTestBackend';
import { ENTITY } from '../../__testUtils__/explainFixtures';
import { withoutTimestamps } from './GitHubRunSource';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const failedRun = {
  id: 907,
  name: 'CI',
  workflowId: 77,
  headBranch: 'main',
  headSha: 'abc907',
  event: 'push',
  status: 'completed',
  conclusion: 'failure',
  runNumber: 7,
  runAttempt: 1,
  htmlUrl: 'https://github.com/acme/payments-api/actions/runs/907',
  createdAt: '2025-03-12T09:00:00.000Z',
  updatedAt: '2025-03-12T09:10:00.000Z',
};

describe('withoutTimestamps', () => {
  it("drops GitHub's line timestamps and the file's BOM, nothing else", () => {
    expect(
      withoutTimestamps(
        '\uFEFF2025-03-12T09:00:00.1234567Z ##[group]Run yarn test\n' +
          '2025-03-12T09:00:01.0000000Z FAIL src/a.test.ts\n' +
          '2025-03-12T09:00:02Z \n' +
          'not a 2025-03-12T09:00:03.0000000Z timestamp at the start\n',
      ),
    ).toBe(
      '##[group]Run yarn test\nFAIL src/a.test.ts\n\nnot a 2025-03-12T09:00:03.0000000Z timestamp at the start\n',
    );
  });
});

describe('GitHubRunSource without the job actions, or without a failed job', () => {
  it('says why the job logs were not read: a github plugin without github:list-workflow-jobs', async () => {
    const backend = await startExplainBackend({
      knex: await databases.init('SQLITE_3'),
      standIns: { githubJobActions: false },
    });
    try {
      backend.state.githubRuns.push(failedRun);
      const { status, explanation } = await backend.explain(ADA, {
        runId: 'github:acme/payments-api#907',
        entityRef: ENTITY,
      });
      expect(status).toBe(200);
      expect(explanation.unread).toEqual([
        {
          what: 'the job logs of GitHub Actions CI #7',
          reason: expect.stringMatching(/^github:list-workflow-jobs /),
        },
      ]);
      expect(explanation.run.failedStep).toBeUndefined();
      expect(explanation.summary).toBe(
        'GitHub Actions CI #7 failed: GitHub Actions run ended: failure. Its log could not be read (see what could not be read), so no known failure cause was looked for.',
      );
    } finally {
      await backend.stop();
    }
  });

  it('says when the jobs cannot be listed, and when no job failed', async () => {
    const backend = await startExplainBackend({
      knex: await databases.init('SQLITE_3'),
    });
    try {
      backend.state.githubRuns.push(failedRun, {
        ...failedRun,
        id: 908,
        runNumber: 8,
        htmlUrl: 'https://github.com/acme/payments-api/actions/runs/908',
      });
      // 907: the stand-in knows no jobs for it (GitHub's 404)
      const unlisted = await backend.explain(ADA, {
        runId: 'github:acme/payments-api#907',
        entityRef: ENTITY,
      });
      expect(unlisted.status).toBe(200);
      expect(unlisted.explanation.unread).toEqual([
        {
          what: 'the job logs of GitHub Actions CI #7',
          reason:
            'github:list-workflow-jobs answered 404: GitHub answered 404 for GET /repos/acme/payments-api/actions/runs/907/jobs on github.com',
        },
      ]);

      // 908: failed at start-up, before any job ran
      backend.state.githubJobs.set(908, [
        {
          id: 9081,
          name: 'test',
          status: 'completed',
          conclusion: 'skipped',
          steps: [],
        },
      ]);
      const noJob = await backend.explain(ADA, {
        runId: 'github:acme/payments-api#908',
        entityRef: ENTITY,
      });
      expect(noJob.explanation.unread).toEqual([
        {
          what: 'the job logs of GitHub Actions CI #8',
          reason:
            'GitHub lists no failed job for the run (1 jobs): it may have failed before any job started',
        },
      ]);
      expect(backend.calls('github:get-job-log')).toBe(0);
    } finally {
      await backend.stop();
    }
  });

  it('says when the log was cut, and analyses its end', async () => {
    const backend = await startExplainBackend({
      knex: await databases.init('SQLITE_3'),
      aiAssistant: { failureAnalysis: { maxLogLines: 1000 } },
    });
    try {
      backend.state.githubRuns.push(failedRun);
      backend.state.githubJobs.set(907, [
        {
          id: 9071,
          name: 'build',
          status: 'completed',
          conclusion: 'timed_out',
          steps: [{ number: 1, name: 'Compile', conclusion: 'timed_out' }],
        },
      ]);
      // About 1.6 MB: more than the 1,000,000 bytes read of a failed job's log
      const lines = Array.from(
        { length: 40_000 },
        (_, i) => `2025-03-12T09:00:00.0000000Z compiling module ${i}`,
      );
      lines.push(
        '2025-03-12T09:30:00.0000000Z ##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 30 minutes.',
      );
      backend.state.githubJobLogs.set(9071, lines.join('\n'));
      const { explanation } = await backend.explain(ADA, {
        runId: 'github:acme/payments-api#907',
        entityRef: ENTITY,
      });
      expect(explanation.run.failedStep).toBe('build › Compile');
      expect(explanation.log?.source).toBe(
        'the log of job build (its last 1,000 lines)',
      );
      expect(explanation.warnings).toEqual(
        expect.arrayContaining([
          'The log of job build is longer than 1,000,000 bytes; only its end was analysed.',
          'Only the last 1,000 lines of the log of job build were analysed.',
        ]),
      );
      expect(
        explanation.firstErrorLines.some(l =>
          l.text.startsWith(
            '##[error]The job running on runner GitHub Actions 3 has exceeded',
          ),
        ),
      ).toBe(true);
    } finally {
      await backend.stop();
    }
  });
});
