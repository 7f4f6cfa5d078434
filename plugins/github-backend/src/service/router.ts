import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { parseInput } from '@internal/backend-common';
import { GITHUB_USER_TOKEN_HEADER } from '@internal/plugin-github-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { GitHubService } from './GitHubService';

const segment = (what: string) =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^[^:/]+$/, `the entity's ${what} has no ":" or "/"`);
const entityPath = z.object({
  kind: segment('kind'),
  namespace: segment('namespace'),
  name: segment('name'),
});

const positiveInt = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** GitHub's workflow run filters: a status or a conclusion. */
export const WORKFLOW_RUN_STATUSES = [
  'completed',
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'skipped',
  'stale',
  'success',
  'timed_out',
  'in_progress',
  'queued',
  'requested',
  'waiting',
  'pending',
] as const;

export const workflowRunsQuery = z.object({
  branch: z.string().min(1).max(255).optional(),
  status: z.enum(WORKFLOW_RUN_STATUSES).optional(),
  page: positiveInt.max(1000).default(1),
  perPage: z.coerce.number().int().min(1).max(100).default(20),
});

export const pullRequestState = z.enum(['open', 'closed', 'all']);

export const proposalBody = z.object({
  title: z.string().trim().min(1).max(256),
  body: z.string().max(65_536).optional(),
  files: z
    .record(z.string().max(1_000_000))
    .refine(files => Object.keys(files).length > 0, {
      message: 'name at least one file (path → content)',
    })
    .refine(files => Object.keys(files).length <= 20, {
      message: 'at most 20 files',
    }),
  message: z.string().trim().min(1).max(10_000).optional(),
});

export async function createRouter(options: {
  service: GitHubService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();
  router.use(express.json({ limit: '5mb' }));

  router.get('/config', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    res.json(service.config());
  });

  // Full paths on the one router, so the permission matrix can list every route
  const ENTITY = '/entities/:kind/:namespace/:name';

  function entityRefOf(req: express.Request) {
    const { kind, namespace, name } = parseInput(
      entityPath,
      req.params,
      'entity path',
    );
    return `${kind}:${namespace}/${name}`;
  }

  function runIdOf(req: express.Request) {
    return parseInput(positiveInt, req.params.runId, 'workflow run id');
  }

  router.get(`${ENTITY}/repository`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const credentials = await httpAuth.credentials(req);
    res.json(await service.repository(credentials, { entityRef }));
  });

  router.get(`${ENTITY}/workflow-runs`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const query = parseInput(workflowRunsQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.workflowRuns(credentials, { entityRef, ...query }));
  });

  router.get(`${ENTITY}/workflow-runs/:runId/jobs`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const runId = runIdOf(req);
    const credentials = await httpAuth.credentials(req);
    res.json(await service.jobs(credentials, { entityRef, runId }));
  });

  for (const verb of ['rerun', 'cancel'] as const) {
    router.post(`${ENTITY}/workflow-runs/:runId/${verb}`, async (req, res) => {
      const entityRef = entityRefOf(req);
      const runId = runIdOf(req);
      const credentials = await httpAuth.credentials(req);
      res
        .status(202)
        .json(
          await service[verb](
            credentials,
            { entityRef, runId },
            { request: req },
          ),
        );
    });
  }

  router.get(`${ENTITY}/pull-requests`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const { state, limit } = parseInput(
      z.object({
        state: pullRequestState.default('open'),
        limit: z.coerce.number().int().min(1).max(30).optional(),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.pullRequests(credentials, { entityRef, state, limit }),
    );
  });

  router.get(`${ENTITY}/pull-requests/:number`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const number = parseInput(
      positiveInt,
      req.params.number,
      'pull request number',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.pullRequest(credentials, { entityRef, number }));
  });

  router.post(`${ENTITY}/pull-requests`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const body = parseInput(proposalBody, req.body, 'request body');
    // The user's own GitHub token (from signing in with GitHub), for this request only
    const userToken = req.header(GITHUB_USER_TOKEN_HEADER)?.trim() || undefined;
    if (userToken && !/^[\x21-\x7e]{1,512}$/.test(userToken)) {
      throw new InputError(
        `The header ${GITHUB_USER_TOKEN_HEADER} must hold a GitHub token (printable characters, no spaces)`,
      );
    }
    const credentials = await httpAuth.credentials(req);
    res
      .status(201)
      .json(
        await service.proposePullRequest(
          credentials,
          { entityRef, ...body, userToken },
          { request: req },
        ),
      );
  });

  router.get(`${ENTITY}/commits`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const { perPage } = parseInput(
      z.object({
        perPage: z.coerce.number().int().min(1).max(100).default(20),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.commits(credentials, { entityRef, perPage }));
  });

  router.get(`${ENTITY}/cycle-time`, async (req, res) => {
    const entityRef = entityRefOf(req);
    const { days } = parseInput(
      z.object({
        days: z.coerce.number().int().min(1).max(365).default(90),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.cycleTime(credentials, { entityRef, days }));
  });

  return router;
}
