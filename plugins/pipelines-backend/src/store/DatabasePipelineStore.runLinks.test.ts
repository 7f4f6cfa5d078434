import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { RunEventContexts } from '../events/RunEventContexts';
import { DatabasePipelineStore } from './DatabasePipelineStore';
import type { NewRun } from './PipelineStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    entityRef: 'component:default/payments-api',
    pipeline: 'ci',
    pipelinePath: '.comet/ci.yaml',
    trigger: { type: 'manual' },
    params: {},
    definition,
    commitSha: 'a'.repeat(40),
    branch: 'feature/PAY-12-refunds',
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'Build',
        needs: [],
        steps: [{ name: 'install' }, { name: 'test' }],
        maxAttempts: 1,
      },
    ],
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'DatabasePipelineStore run links, commit messages and log tails on %p',
  databaseId => {
    async function createStore() {
      const knex = await databases.init(databaseId);
      return DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
    }

    it('keeps the commit message with the run and its events, cut at 8 KiB', async () => {
      const store = await createStore();
      const run = await store.createRun(
        newRun({ commitMessage: `PAY-12 Refunds\n\n${'x'.repeat(10_000)}` }),
      );
      const read = (await store.getRun(run.runId))!;
      expect(read.commit?.message?.startsWith('PAY-12 Refunds')).toBe(true);
      expect(read.commit?.message).toHaveLength(8192);
      const now = new Date(Date.now() + 1000);
      await store.runEvents.fanOut('test', now);
      const [delivery] = await store.runEvents.claim({
        listenerId: 'test',
        owner: 'test',
        now,
        leaseMs: 60_000,
        limit: 10,
      });
      expect(delivery.event.commit?.message?.startsWith('PAY-12')).toBe(true);

      // No commit, no message
      const bare = await store.createRun(
        newRun({ commitSha: undefined, commitMessage: 'PAY-1' }),
      );
      expect((await store.getRun(bare.runId))!.commit).toBeUndefined();
    });

    it('adds links once per URL, keeps them after the run changes, and refuses bad ones', async () => {
      const store = await createStore();
      const run = await store.createRun(
        newRun({
          trigger: {
            type: 'pull_request',
            pullRequest: {
              number: 7,
              title: 'PAY-12 refunds',
              url: 'https://github.example.com/acme/payments/pull/7',
            },
          },
        }),
      );
      const link = {
        title: 'PAY-12 Refunds',
        url: 'https://acme.atlassian.net/browse/PAY-12',
      };
      expect(await store.addRunLinks(run.runId, 'jira', [link])).toBe(1);
      // A redelivered event adds nothing twice
      expect(
        await store.addRunLinks(run.runId, 'jira', [
          link,
          {
            title: 'PAY-13',
            url: 'https://user:secret@acme.atlassian.net/browse/PAY-13',
          },
        ]),
      ).toBe(1);
      const read = (await store.getRun(run.runId))!;
      expect(read.links).toEqual([
        {
          title: 'Pull request #7',
          url: 'https://github.example.com/acme/payments/pull/7',
        },
        link,
        // credentials never kept
        { title: 'PAY-13', url: 'https://acme.atlassian.net/browse/PAY-13' },
      ]);
      const page = await store.listRuns({
        entityRefs: ['component:default/payments-api'],
        limit: 10,
      });
      expect(page.runs[0].links).toHaveLength(3);

      await expect(
        store.addRunLinks(run.runId, 'jira', [
          { title: 'x', url: ['javascript', 'alert(1)'].join(':') },
        ]),
      ).rejects.toThrow(
        /links\[0\] needs a title and an absolute http\(s\) URL/,
      );
      await expect(
        store.addRunLinks(run.runId, 'jira', [{ title: ' ', url: link.url }]),
      ).rejects.toThrow(/links\[0\]/);
      await expect(
        store.addRunLinks('no-such-run', 'jira', [link]),
      ).rejects.toThrow(/Run no-such-run not found/);
      // nothing stored was lost
      expect((await store.getRun(run.runId))!.links).toHaveLength(3);

      const many = Array.from({ length: 60 }, (_, i) => ({
        title: `L${i}`,
        url: `https://example.com/${i}`,
      }));
      await expect(store.addRunLinks(run.runId, 'jira', many)).rejects.toThrow(
        /at most 50 links/,
      );
      expect((await store.getRun(run.runId))!.links).toHaveLength(3);
    });

    it('reads the last lines of a job, across chunks, and tells failures to listeners', async () => {
      const store = await createStore();
      const run = await store.createRun(
        newRun({
          jobs: [
            {
              jobRunId: 'build',
              jobId: 'build',
              name: 'Build',
              needs: [],
              steps: [{ name: 'install' }, { name: 'test' }],
              maxAttempts: 1,
            },
            {
              jobRunId: 'lint',
              jobId: 'lint',
              name: 'Lint',
              needs: [],
              steps: [{ name: 'eslint' }],
              maxAttempts: 1,
            },
          ],
        }),
      );
      const { runId } = run;
      const line = (jobRunId: string, text: string, stepIndex = 1) => ({
        jobRunId,
        stepIndex,
        stream: 'stdout' as const,
        timestamp: new Date().toISOString(),
        text,
      });
      for (let batch = 0; batch < 5; batch++) {
        await store.appendLogLines(
          runId,
          Array.from({ length: 30 }, (_, i) =>
            line('build', `build ${batch * 30 + i}`),
          ),
        );
        await store.appendLogLines(runId, [line('lint', `lint ${batch}`, 0)]);
      }
      const tail = await store.readLogTail(runId, {
        jobRunId: 'build',
        limit: 45,
      });
      expect(tail.map(l => l.text)).toEqual(
        Array.from({ length: 45 }, (_, i) => `build ${105 + i}`),
      );
      expect(tail.every(l => l.jobRunId === 'build')).toBe(true);
      expect(
        (await store.readLogTail(runId, { limit: 2 })).map(l => l.text),
      ).toEqual(['build 149', 'lint 4']);
      expect(await store.readLogTail(runId, { limit: 0 })).toEqual([]);

      await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
      await store.setStepState({
        runId,
        jobRunId: 'build',
        stepIndex: 1,
        state: 'failed',
        exitCode: 3,
        error: 'Exited with code 3',
      });
      await store.setJobState({
        runId,
        jobRunId: 'build',
        state: 'failed',
        from: ['running'],
        workerId: 'w1',
        error: 'Step "test" failed',
      });
      const contexts = RunEventContexts.create({ store });
      const event = { runId } as Parameters<RunEventContexts['for']>[1];
      const failures = await contexts
        .for('jira.traceability', event)
        .failures({ logLines: 3 });
      expect(failures).toEqual([
        {
          jobRunId: 'build',
          jobName: 'Build',
          stepIndex: 1,
          stepName: 'test',
          exitCode: 3,
          error: 'Exited with code 3',
          logTail: ['build 147', 'build 148', 'build 149'],
        },
      ]);
      await contexts
        .for('jira.traceability', event)
        .addRunLinks([
          { title: 'PAY-12', url: 'https://acme.atlassian.net/browse/PAY-12' },
        ]);
      expect((await store.getRun(runId))!.links).toEqual([
        { title: 'PAY-12', url: 'https://acme.atlassian.net/browse/PAY-12' },
      ]);
      expect(
        await contexts
          .for('x', { runId: 'gone' } as Parameters<RunEventContexts['for']>[1])
          .failures(),
      ).toEqual([]);
    });
  },
);
