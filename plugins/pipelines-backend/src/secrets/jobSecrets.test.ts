import type {
  PipelineDefinition,
  PipelineJob,
} from '@internal/plugin-pipelines-common';
import { makePipelineRun } from '../testing/pipelineRun';
import type { ClaimedJob } from '../store/PipelineStore';
import { grantJobSecrets } from './grantJobSecrets';
import {
  approvedEnvironmentsOf,
  gateEnvironmentsOf,
  secretReferencesOf,
} from './jobSecrets';
import { ownerRefsOf, ownersOfEntity } from './ownersOfEntity';
import { SecretScopes } from './SecretScopes';
import { gateUntrustedDefinition } from './untrustedRuns';

const job = (id: string, extra: Partial<PipelineJob> = {}): PipelineJob => ({
  id,
  name: id,
  needs: [],
  retry: 0,
  env: {},
  artifacts: [],
  steps: [],
  ...extra,
});

const gate = (id: string, environment?: string, needs: string[] = []) =>
  job(id, {
    needs,
    approval: (environment ? { environment } : {}) as PipelineJob['approval'],
  });

const definitionOf = (
  jobs: PipelineJob[],
  env: Record<string, string> = {},
): PipelineDefinition => ({ name: 'ci', on: {}, params: {}, env, jobs });

describe('secretReferencesOf', () => {
  it('finds every secret a job names, and only those', () => {
    const build = job('build', {
      env: { A: '${{ secrets.JOB_ENV }}', B: 'plain ${{ params.x }}' },
      if: "${{ secrets.JOB_IF == 'x' }}",
      steps: [
        {
          name: 's',
          run: 'deploy --token ${{ secrets.RUN }}',
          env: { C: '${{secrets.STEP_ENV}}' },
          if: 'secrets.STEP_IF',
          continueOnError: false,
        },
        {
          name: 'u',
          uses: 'x/y',
          with: {
            deep: [{ token: '${{ secrets.WITH }}' }, 3, null],
            flag: true,
          },
          env: {},
          continueOnError: false,
        },
      ],
    });
    const other = job('other', {
      env: { D: '${{ secrets.OTHER_JOB }}' },
    });
    expect(
      secretReferencesOf(
        definitionOf([build, other], { TOP: '${{ secrets.PIPELINE }}' }),
        build,
      ),
    ).toEqual([
      'JOB_ENV',
      'JOB_IF',
      'PIPELINE',
      'RUN',
      'STEP_ENV',
      'STEP_IF',
      'WITH',
    ]);
  });
});

describe('environments of a job', () => {
  const definition = definitionOf([
    gate('staging-gate', 'staging'),
    job('deploy-staging', { needs: ['staging-gate'] }),
    gate('prod-gate', 'production', ['deploy-staging']),
    gate('plain-gate', undefined, ['deploy-staging']),
    job('deploy-prod', { needs: ['prod-gate', 'plain-gate'] }),
    job('alone'),
  ]);

  it('are, before a run, those of every gate upstream', () => {
    expect(gateEnvironmentsOf(definition, 'deploy-prod')).toEqual([
      'production',
      'staging',
    ]);
    expect(gateEnvironmentsOf(definition, 'alone')).toEqual([]);
    expect(gateEnvironmentsOf(definition, 'missing')).toEqual([]);
  });

  it('are, in a run, those of the gates upstream that were approved', () => {
    const run = makePipelineRun({
      jobs: [
        {
          jobRunId: 'staging-gate',
          jobId: 'staging-gate',
          name: 'g',
          needs: [],
          status: 'succeeded',
          attempt: 0,
          steps: [],
          // The environment as stored with the gate
          approval: { decision: 'approved', environment: 'staging' } as any,
        },
        {
          jobRunId: 'deploy-staging',
          jobId: 'deploy-staging',
          name: 'd',
          needs: ['staging-gate', 'staging-gate', 'unknown'],
          status: 'succeeded',
          attempt: 0,
          steps: [],
        },
        {
          jobRunId: 'prod-gate',
          jobId: 'prod-gate',
          name: 'g',
          needs: ['deploy-staging'],
          status: 'waiting',
          attempt: 0,
          steps: [],
          approval: {},
        },
        {
          jobRunId: 'deploy-prod',
          jobId: 'deploy-prod',
          name: 'd',
          needs: ['prod-gate', 'deploy-staging'],
          status: 'queued',
          attempt: 0,
          steps: [],
        },
      ],
    });
    expect(approvedEnvironmentsOf(run, definition, 'deploy-prod')).toEqual([
      'staging',
    ]);
    // Approved now, the environment read from the definition
    run.jobs[2].approval = { decision: 'approved' };
    expect(approvedEnvironmentsOf(run, definition, 'deploy-prod')).toEqual([
      'production',
      'staging',
    ]);
    run.jobs[2].approval = { decision: 'rejected' };
    expect(approvedEnvironmentsOf(run, definition, 'deploy-prod')).toEqual([
      'staging',
    ]);
  });
});

describe('grantJobSecrets', () => {
  const scopes = new SecretScopes([
    { name: 'OPEN', value: 'open-value' },
    { name: 'TEAM', value: 'team-value', owners: ['group:default/payments'] },
  ]);
  const claimed = (definition: PipelineDefinition, jobId: string) =>
    ({
      runId: 'run-1',
      jobRunId: jobId,
      jobId,
      entityRef: 'component:default/payments-api',
      definition,
    } as unknown as ClaimedJob);
  const store = (trigger = {}) => ({
    getRun: jest.fn(async () =>
      makePipelineRun({ trigger: { type: 'manual', ...trigger } }),
    ),
  });

  it('asks nothing for a job that names no secret', async () => {
    const build = job('build');
    const s = store();
    const granted = await grantJobSecrets({
      scopes,
      store: s,
      claimed: claimed(definitionOf([build]), 'build'),
      job: build,
    });
    expect(granted.secrets).toEqual({});
    expect(() => granted.failIfRefused()).not.toThrow();
    expect(s.getRun).not.toHaveBeenCalled();
  });

  it('fails for a refused secret in the condition only when the condition names it', async () => {
    const build = job('build', {
      if: "params.deploy == 'yes'",
      env: { A: '${{ secrets.TEAM }}', B: '${{ secrets.OPEN }}' },
    });
    const granted = await grantJobSecrets({
      scopes,
      store: store(),
      claimed: claimed(definitionOf([build]), 'build'),
      job: build,
      ownersOf: async () => ['group:default/web'],
    });
    expect(granted.secrets).toEqual({ OPEN: 'open-value' });
    expect(() => granted.failIfRefused(build.if)).not.toThrow();
    expect(() => granted.failIfRefused('secrets.TEAM')).toThrow(
      /^The job references a secret it may not have: secret "TEAM" is only for/,
    );
    expect(() => granted.failIfRefused()).toThrow('secret "TEAM"');
  });

  it('refuses an owner-scoped secret when the owners cannot be read, saying why', async () => {
    const build = job('build', { env: { A: '${{ secrets.TEAM }}' } });
    await expect(
      grantJobSecrets({
        scopes,
        store: store(),
        claimed: claimed(definitionOf([build]), 'build'),
        job: build,
        ownersOf: async () => {
          throw new Error('catalog is down');
        },
      }),
    ).rejects.toThrow(
      'Cannot read the owners of component:default/payments-api to check the scope of its secrets: catalog is down',
    );
    // Without a way to read owners, nobody owns anything
    const granted = await grantJobSecrets({
      scopes,
      store: store(),
      claimed: claimed(definitionOf([build]), 'build'),
      job: build,
    });
    expect(granted.refused.map(r => r.name)).toEqual(['TEAM']);
  });

  it('withholds every secret in an untrusted run, and fails when the run is gone', async () => {
    const build = job('build', {
      env: { A: '${{ secrets.TEAM }}', B: '${{ secrets.OPEN }}' },
    });
    const granted = await grantJobSecrets({
      scopes,
      store: store({ untrusted: 'fork code' }),
      claimed: claimed(definitionOf([build]), 'build'),
      job: build,
    });
    expect(granted).toMatchObject({
      secrets: {},
      refused: [],
      withheld:
        'Secrets withheld: fork code; secrets.OPEN, secrets.TEAM are empty in this run',
    });
    await expect(
      grantJobSecrets({
        scopes,
        store: { getRun: async () => undefined },
        claimed: claimed(definitionOf([build]), 'build'),
        job: build,
      }),
    ).rejects.toThrow('Run run-1 is gone; its secrets are withheld');
  });
});

describe('owners of an entity', () => {
  const entity = (extra: object) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'x', namespace: 'shop' },
    ...extra,
  });

  it('are its ownedBy relations, else its spec.owner in its namespace', async () => {
    expect(
      ownerRefsOf(
        entity({
          spec: { owner: 'ignored' },
          relations: [
            { type: 'ownedBy', targetRef: 'group:default/a' },
            { type: 'partOf', targetRef: 'system:default/s' },
          ],
        }),
      ),
    ).toEqual(['group:default/a']);
    expect(ownerRefsOf(entity({ spec: { owner: 'team-b' } }))).toEqual([
      'group:shop/team-b',
    ]);
    expect(ownerRefsOf(entity({ spec: { owner: 'group:' } }))).toEqual([]);
    expect(ownerRefsOf(entity({ spec: {} }))).toEqual([]);
    expect(ownerRefsOf(undefined)).toEqual([]);
    const catalog = {
      getEntityByRef: jest.fn(async () =>
        entity({ spec: { owner: 'user:default/me' } }),
      ),
    };
    const auth = {
      getOwnServiceCredentials: async () => ({ principal: 'svc' } as any),
    };
    expect(await ownersOfEntity(catalog, auth, 'component:shop/x')).toEqual([
      'user:default/me',
    ]);
    expect(catalog.getEntityByRef).toHaveBeenCalledWith('component:shop/x', {
      credentials: { principal: 'svc' },
    });
  });
});

describe('gateUntrustedDefinition', () => {
  it('puts every root job behind the gate, and leaves approvers out when there are none', () => {
    const gated = gateUntrustedDefinition(
      definitionOf([job('a'), job('b', { needs: ['a'] })]),
      { reason: 'From a fork', approvers: [] },
    );
    expect(gated.jobs.map(j => [j.id, j.needs])).toEqual([
      ['_untrusted-approval', []],
      ['a', ['_untrusted-approval']],
      ['b', ['a']],
    ]);
    expect(gated.jobs[0].approval).toEqual({
      description:
        'From a fork. Review its changes before approving: it runs without secrets, but it runs.',
    });
  });
});
