import type { CometRunFixture } from './explainTestBackend';

export const ENTITY = 'component:default/payments-web';
export const uuid = (n: number) =>
  `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const BUILD_LINES = ['$ yarn install --immutable', 'Done in 41.2s.'];

/** A Comet run of payments-web's `ci` pipeline: a build job, then a test job with `log`. */
export function cometRun(options: {
  n: number;
  status: string;
  finishedAt: string;
  log: string;
  commit?: string;
  commitMessage?: string;
  testStatus?: string;
  pipeline?: string;
  links?: Array<{ title: string; url: string }>;
}): CometRunFixture {
  const finished = Date.parse(options.finishedAt);
  const testStatus =
    options.testStatus ??
    (options.status === 'succeeded' ? 'succeeded' : 'failed');
  return {
    run: {
      runId: uuid(options.n),
      entityRef: ENTITY,
      pipeline: options.pipeline ?? 'ci',
      number: options.n,
      status: options.status,
      branch: 'main',
      ...(options.commit
        ? {
            commit: {
              sha: options.commit,
              message: options.commitMessage ?? `Change ${options.n}`,
              url: `https://github.com/acme/payments-web/commit/${options.commit}`,
            },
          }
        : {}),
      createdAt: new Date(finished - 600_000).toISOString(),
      startedAt: new Date(finished - 590_000).toISOString(),
      ...(['queued', 'running'].includes(options.status)
        ? {}
        : { finishedAt: options.finishedAt }),
      ...(options.links ? { links: options.links } : {}),
      jobs: [
        {
          jobRunId: 'build',
          name: 'build',
          status: 'succeeded',
          steps: [{ stepIndex: 0, name: 'install', status: 'succeeded' }],
        },
        {
          jobRunId: 'test',
          name: 'test',
          status: testStatus,
          steps: [
            {
              stepIndex: 0,
              name: 'yarn test',
              status: testStatus,
              ...(testStatus === 'failed' ? { exitCode: 1 } : {}),
            },
          ],
        },
      ],
    },
    lines: [
      ...BUILD_LINES.map(text => ({ jobRunId: 'build', text })),
      ...options.log.split('\n').map(text => ({ jobRunId: 'test', text })),
    ],
  };
}
