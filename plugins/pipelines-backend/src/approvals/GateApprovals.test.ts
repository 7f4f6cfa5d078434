/*
 * Approval gates that hold, through PipelinesService with the real store (SQLite and
 * PostgreSQL) and the real engine (not started: gates need no worker): the environment's
 * approvers decide, a file's approvers only narrow them, whoever triggered a run (a service
 * too) cannot decide it, a re-run waits at its gates again and needs the approve permission.
 */
import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  PipelineDefinition,
  PipelineJob,
  PipelineRun,
  pipelinesRunApprovePermission,
} from '@internal/plugin-pipelines-common';
import { PipelineEngine } from '../engine/PipelineEngine';
import { PipelinesService } from '../service/PipelinesService';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { ApprovalEnvironments } from './ApprovalEnvironments';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const entityRef = 'component:default/ledger';
const user = (name: string) => mockCredentials.user(`user:default/${name}`);
// alice and dave release to production; bob owns the ledger; erin is in both
const alice = user('alice');
const bob = user('bob');
const dave = user('dave');
const erin = user('erin');
const mallory = user('mallory');
const releaseBot = mockCredentials.service('release-bot');

/** Group membership as the catalog lists it. */
const memberships: Record<string, string[]> = {
  alice: ['group:default/release-managers'],
  bob: ['group:default/ledger-team'],
  dave: ['group:default/release-managers'],
  erin: ['group:default/release-managers', 'group:default/ledger-team'],
  mallory: ['group:default/ledger-team'],
};

function job(id: string, extra: Partial<PipelineJob> = {}): PipelineJob {
  return {
    id,
    name: id,
    needs: [],
    retry: 0,
    env: {},
    steps: [{ name: id, run: `echo ${id}`, env: {}, continueOnError: false }],
    artifacts: [],
    ...extra,
  };
}

/** build -> gate (with `approval`) -> deploy, and an independent lint. */
function release(approval: PipelineJob['approval']): PipelineDefinition {
  return {
    name: 'release',
    on: { manual: {} },
    params: {},
    env: {},
    jobs: [
      job('build'),
      job('lint'),
      job('gate', { needs: ['build'], steps: [], approval }),
      job('deploy', { needs: ['gate'] }),
    ],
  };
}

describe.each(databases.eachSupportedId())(
  'approval gates on %s',
  databaseId => {
    async function create(
      options: {
        environments?: Record<string, { approvers: string[] }>;
        deny?: (name: string, credentials: BackstageCredentials) => boolean;
      } = {},
    ) {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      const engine = new PipelineEngine({
        store,
        executor: {} as any,
        stepTypes: new Map(),
        logger: mockServices.logger.mock(),
        secrets: {},
        artifacts: {} as any,
        concurrency: 1,
        leaseMs: 10_000,
        heartbeatMs: 1_000,
        logLimitBytes: 1_000_000,
      });
      // Sign-in gives users no group ownership here, so the catalog's memberOf counts, except
      // for frank: the catalog does not know him, his sign-in resolver gives him his group
      const userInfo: UserInfoService = {
        async getUserInfo(credentials) {
          const principal = credentials.principal as {
            type: string;
            userEntityRef?: string;
          };
          if (principal.type !== 'user') throw new Error('not a user');
          return {
            userEntityRef: principal.userEntityRef!,
            ownershipEntityRefs: [
              principal.userEntityRef!,
              ...(principal.userEntityRef === 'user:default/frank'
                ? ['group:default/release-managers']
                : []),
            ],
          };
        },
      };
      const service = new PipelinesService({
        store,
        engine,
        artifacts: { list: async () => [], read: async () => undefined } as any,
        providers: [],
        catalog: catalogServiceMock({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'ledger', namespace: 'default' },
              spec: { type: 'service', owner: 'ledger-team', lifecycle: 'x' },
              relations: [
                { type: 'ownedBy', targetRef: 'group:default/ledger-team' },
              ],
            },
            ...Object.entries(memberships).map(([name, groups]) => ({
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name, namespace: 'default' },
              spec: {},
              relations: groups.map(targetRef => ({
                type: 'memberOf',
                targetRef,
              })),
            })),
          ],
        }),
        permissions: {
          authorizeConditional: async (
            requests: Array<{ permission: { name: string } }>,
            { credentials }: { credentials: BackstageCredentials },
          ) =>
            requests.map(r => ({
              result: options.deny?.(r.permission.name, credentials)
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
            })),
        } as any,
        userInfo,
        auditor: {
          createEvent: async () => ({
            success: async () => {},
            fail: async () => {},
          }),
        } as any,
        source: {} as any,
        stepTypes: () => [],
        secretNames: () => [],
        readAccessCacheMs: 0,
        environments: ApprovalEnvironments.fromConfig(
          new ConfigReader({
            pipelines: {
              environments: options.environments ?? {
                production: {
                  approvers: ['group:default/release-managers'],
                },
              },
            },
          }),
        ),
      });
      const start = (
        definition: PipelineDefinition,
        actor = 'user:default/carol',
      ) =>
        engine.trigger({
          entityRef,
          entityName: 'ledger',
          repositoryUrl: 'https://github.com/acme/ledger.git',
          pipelinePath: '.comet/release.yaml',
          definition,
          trigger: { type: 'manual', actor },
          // The gate waits from the start; build and lint count as done
          succeededJobRunIds: new Set(['build', 'lint']),
        });
      const decide = (
        credentials: BackstageCredentials,
        runId: string,
        decision: 'approve' | 'reject' = 'approve',
      ) => service.decide(credentials, { runId, jobRunId: 'gate', decision });
      /** Approves the gate, then ends the run as a failed deploy would leave it. */
      const finishAfterApproval = async (run: PipelineRun) => {
        await decide(alice, run.runId);
        await store.cancelRun(run.runId, 'deploy failed');
        await store.refreshRunStatus(run.runId);
      };
      return { service, store, start, decide, finishAfterApproval };
    }

    const gateOf = (run: PipelineRun) =>
      run.jobs.find(j => j.jobRunId === 'gate')!;

    it("lets the environment's approvers decide, not the owner group", async () => {
      const { start, decide } = await create();
      const run = await start(release({ environment: 'production' }));
      expect(gateOf(run)).toMatchObject({
        status: 'waiting',
        approval: { environment: 'production' },
      });
      // bob's team owns the entity, but production is the release managers' decision
      await expect(decide(bob, run.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'Only the approvers of environment "production" (group:default/release-managers) may decide gate gate; user:default/bob is not one of them',
      });
      const decided = await decide(alice, run.runId);
      expect(gateOf(decided)).toMatchObject({
        status: 'succeeded',
        approval: { decision: 'approved', decidedBy: 'user:default/alice' },
      });
      expect(decided.jobs.find(j => j.jobRunId === 'deploy')!.status).toBe(
        'queued',
      );
    });

    it("counts the groups of a user's sign-in ownership refs", async () => {
      const { start, decide } = await create();
      const run = await start(release({ environment: 'production' }));
      expect(gateOf(await decide(user('frank'), run.runId)).status).toBe(
        'succeeded',
      );
    });

    it('matches an approver listed by user ref, in any spelling', async () => {
      const { start, decide } = await create({
        environments: { production: { approvers: ['User:Bob'] } },
      });
      const run = await start(release({ environment: 'production' }));
      await expect(decide(alice, run.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
      });
      expect(gateOf(await decide(bob, run.runId)).status).toBe('succeeded');
    });

    it("lets the owner group's members decide a gate without environment", async () => {
      const { start, decide } = await create();
      const run = await start(release({ description: 'Ship?' }));
      await expect(decide(alice, run.runId)).rejects.toMatchObject({
        message:
          'Only members of group:default/ledger-team (the owner of ledger) may decide gate gate; user:default/alice is not one of them',
      });
      expect(gateOf(await decide(bob, run.runId, 'reject')).status).toBe(
        'failed',
      );
    });

    it("narrows with the file's approvers and never widens", async () => {
      const { start, decide } = await create();
      // erin is a release manager; mallory is not, and listing her in the file changes nothing
      const run = await start(
        release({
          environment: 'production',
          approvers: ['user:default/erin', 'user:default/mallory'],
        }),
      );
      const narrowed =
        'Only the approvers of environment "production" (group:default/release-managers), narrowed by the pipeline file to user:default/erin, user:default/mallory, may decide gate gate';
      await expect(decide(mallory, run.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `${narrowed}; user:default/mallory is not one of them`,
      });
      // alice is a release manager, but the file narrowed the gate to erin
      await expect(decide(alice, run.runId)).rejects.toMatchObject({
        message: `${narrowed}; user:default/alice is not one of them`,
      });
      expect(gateOf(await decide(erin, run.runId)).approval).toMatchObject({
        decision: 'approved',
        decidedBy: 'user:default/erin',
      });

      // A file that names only outsiders leaves nobody to decide
      const outsiders = await start(
        release({
          environment: 'production',
          approvers: ['group:default/ledger-team'],
        }),
      );
      for (const who of [alice, bob, mallory]) {
        await expect(decide(who, outsiders.runId)).rejects.toMatchObject({
          name: 'NotAllowedError',
        });
      }
      expect(gateOf(await decide(erin, outsiders.runId)).status).toBe(
        'succeeded',
      );
    });

    it('refuses whoever triggered the run, a service principal too', async () => {
      const { start, decide, service } = await create();
      const own = await start(
        release({ environment: 'production' }),
        'user:default/alice',
      );
      await expect(decide(alice, own.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `user:default/alice triggered run ${own.runId}, so cannot decide its gate gate: someone else among its approvers must`,
      });
      await expect(decide(alice, own.runId, 'reject')).rejects.toMatchObject({
        name: 'NotAllowedError',
      });
      expect(gateOf((await service.getRun(alice, own.runId))!).status).toBe(
        'waiting',
      );
      expect(gateOf(await decide(dave, own.runId)).status).toBe('succeeded');

      const botRun = await start(
        release({ environment: 'production' }),
        'release-bot',
      );
      await expect(decide(releaseBot, botRun.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(
          /^release-bot triggered run .*, so cannot decide its gate gate/,
        ),
      });
      expect(gateOf(await decide(alice, botRun.runId)).status).toBe(
        'succeeded',
      );

      // A service that did not trigger the run is not a person among the approvers either
      const other = await start(release({ environment: 'production' }));
      await expect(decide(releaseBot, other.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'release-bot is not a signed-in user; only a person among the approvers decides gate gate',
      });
    });

    it('refuses the trigger of a run that a re-run repeats', async () => {
      const { start, decide, service, store } = await create();
      const first = await start(
        release({ environment: 'production' }),
        'user:default/dave',
      );
      await store.cancelRun(first.runId, 'test');
      await store.refreshRunStatus(first.runId);
      const again = await service.rerun(alice, first.runId, {
        failedOnly: true,
      });
      expect(again.trigger).toMatchObject({
        actor: 'user:default/alice',
        rerunOf: first.runId,
      });
      await expect(decide(alice, again.runId)).rejects.toMatchObject({
        message: expect.stringMatching(/^user:default\/alice triggered run /),
      });
      await expect(decide(dave, again.runId)).rejects.toMatchObject({
        message: `user:default/dave triggered run ${first.runId}, which run ${again.runId} re-runs, so cannot decide its gate gate: someone else among its approvers must`,
      });
      expect(gateOf(await decide(erin, again.runId)).status).toBe('succeeded');
    });

    it('never carries an approval over to a re-run: the gate waits again', async () => {
      const { start, service, finishAfterApproval } = await create();
      const run = await start(release({ environment: 'production' }));
      await finishAfterApproval(run);
      const finished = (await service.getRun(alice, run.runId))!;
      expect(gateOf(finished).approval?.decision).toBe('approved');
      expect(finished.jobs.find(j => j.jobRunId === 'deploy')!.status).toBe(
        'cancelled',
      );

      // A failed-only re-run keeps what succeeded before any gate; the gate waits again
      const failedOnly = await service.rerun(bob, run.runId, {
        failedOnly: true,
      });
      expect(gateOf(failedOnly).approval).toEqual({
        environment: 'production',
      });
      expect(
        Object.fromEntries(failedOnly.jobs.map(j => [j.jobRunId, j.status])),
      ).toEqual({
        build: 'succeeded',
        lint: 'succeeded',
        gate: 'waiting',
        deploy: 'queued',
      });
      expect(failedOnly.status).toBe('waiting');

      // A whole re-run starts over: its gate has no decision and waits for build again
      const whole = await service.rerun(bob, run.runId, {});
      expect(gateOf(whole).approval).toEqual({ environment: 'production' });
      expect(whole.jobs.map(j => j.status)).toEqual([
        'queued',
        'queued',
        'queued',
        'queued',
      ]);
    });

    it('needs the approve permission to re-run a gated run, not an ungated one', async () => {
      const { start, service, store, finishAfterApproval } = await create({
        // mallory may trigger but not approve
        deny: (name, credentials) =>
          name === pipelinesRunApprovePermission.name &&
          (credentials.principal as { userEntityRef?: string })
            .userEntityRef === 'user:default/mallory',
      });
      const gated = await start(release({ environment: 'production' }));
      await finishAfterApproval(gated);
      await expect(
        service.rerun(mallory, gated.runId, { failedOnly: true }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: `Run ${gated.runId} has approval gates (gate), so re-running it needs pipelines.run.approve on ${entityRef} as well as pipelines.run.create`,
      });
      expect(
        (await store.listRuns({ entityRefs: [entityRef], limit: 10 })).runs,
      ).toHaveLength(1);
      await expect(service.rerun(bob, gated.runId, {})).resolves.toMatchObject({
        trigger: { rerunOf: gated.runId },
      });

      const ungated: PipelineDefinition = {
        ...release(undefined),
        jobs: [job('build'), job('lint')],
      };
      const plain = await start(ungated);
      await store.cancelRun(plain.runId, 'test');
      await store.refreshRunStatus(plain.runId);
      await expect(
        service.rerun(mallory, plain.runId, {}),
      ).resolves.toMatchObject({ trigger: { rerunOf: plain.runId } });
    });

    it('refuses a gate whose environment the backend no longer configures', async () => {
      const { start, decide } = await create({
        environments: { staging: { approvers: ['group:default/ledger-team'] } },
      });
      const run = await start(release({ environment: 'production' }));
      await expect(decide(alice, run.runId)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'Gate gate releases to environment "production", which this backend does not configure; an administrator must set pipelines.environments.production.approvers before anyone can decide it',
      });
    });

    it('validates approval.environment against the configured environments', async () => {
      const { service } = await create();
      const text = [
        'name: release',
        'on: { manual: {} }',
        'jobs:',
        '  gate:',
        '    approval: { environment: staging }',
      ].join('\n');
      const result = service.validate(text, '.comet/release.yaml');
      expect(result.ok).toBe(false);
      expect(result.issues.map(issue => issue.message)).toEqual([
        'Unknown environment "staging": the backend configures "production" (pipelines.environments.<name>.approvers)',
      ]);
      expect(service.validate(text.replace('staging', 'production')).ok).toBe(
        true,
      );
    });
  },
);
