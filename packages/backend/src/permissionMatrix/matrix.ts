/*
 * Comet's permission matrix: for every route and every action of every Comet backend plugin,
 * the answer each kind of caller gets. permissionMatrix.test.ts enumerates the routes the
 * plugins really serve and the actions they really register, and fails for any that is not in
 * these tables (and for any row that no longer exists). docs/security.md's "Permission matrix"
 * section is generated from these tables (see renderMatrixMarkdown).
 */
/** An action's input, as JSON. */
export type ActionInput = { [key: string]: unknown };

/** The callers every row is asked for. */
export const PRINCIPALS = [
  'owner',
  'other',
  'guest',
  'service',
  'admin',
  'none',
] as const;
export type PrincipalId = (typeof PRINCIPALS)[number];

export const PRINCIPAL_DESCRIPTIONS: Record<PrincipalId, string> = {
  owner: 'a member of the owner group of the entity (team-a)',
  other: 'a member of another team (team-b)',
  guest: 'the guest user (`user:default/guest`, in no group)',
  service:
    'a static external-access token (`backend.auth.externalAccess`, subject `release-bot`, no `permission.comet.services` grant)',
  admin: 'a member of a group listed in `permission.comet.admins`',
  none: 'an unauthenticated request',
};

/**
 * - `allow`: the request got past authentication and authorization (any status but 401/403;
 *   a 400/404/409 for the test's inputs is fine);
 * - `deny`: 403 (NotAllowedError);
 * - `unauth`: 401 (no or an invalid token).
 * Any 5xx fails the test: it is a bug whatever the principal.
 */
export type Outcome = 'allow' | 'deny' | 'unauth';
export type Expectation = Record<PrincipalId, Outcome>;

/** Any signed-in user and any service; no one unauthenticated. */
export const READ: Expectation = {
  owner: 'allow',
  other: 'allow',
  guest: 'allow',
  service: 'allow',
  admin: 'allow',
  none: 'unauth',
};

/** Members of the entity's owner group and admins (conditional `isEntityOwner`). */
export const OWNER_WRITE: Expectation = {
  owner: 'allow',
  other: 'deny',
  guest: 'deny',
  service: 'deny',
  admin: 'allow',
  none: 'unauth',
};

/** Any signed-in user; the service itself decides further (e.g. environment approvers). */
export const SIGNED_IN_WRITE: Expectation = {
  owner: 'allow',
  other: 'allow',
  guest: 'allow',
  service: 'deny',
  admin: 'allow',
  none: 'unauth',
};

/**
 * Any signed-in user; not services: the route takes user tokens only
 * (`httpAuth.credentials(req, { allow: ['user'] })`), so a static token gets 403 before any
 * permission is asked.
 */
export const USER_READ: Expectation = {
  owner: 'allow',
  other: 'allow',
  guest: 'allow',
  service: 'deny',
  admin: 'allow',
  none: 'unauth',
};

/** Administrators only. */
export const ADMIN_ONLY: Expectation = {
  owner: 'deny',
  other: 'deny',
  guest: 'deny',
  service: 'deny',
  admin: 'allow',
  none: 'unauth',
};

/** No Backstage token needed: the request's own signature (HMAC) authenticates it. */
export const SIGNED_WEBHOOK: Expectation = {
  owner: 'allow',
  other: 'allow',
  guest: 'allow',
  service: 'allow',
  admin: 'allow',
  none: 'allow',
};

/** No Backstage token needed: static files that hold no data, or a link the plugin signed. */
export const PUBLIC: Expectation = {
  owner: 'allow',
  other: 'allow',
  guest: 'allow',
  service: 'allow',
  admin: 'allow',
  none: 'allow',
};

/** Refused whoever asks (a link whose signature is not valid, with or without a token). */
export const NOBODY: Expectation = {
  owner: 'unauth',
  other: 'unauth',
  guest: 'unauth',
  service: 'unauth',
  admin: 'unauth',
  none: 'unauth',
};

/** Only the `pipelines` plugin's own service token: no user, no static token. */
export const PIPELINES_PLUGIN_ONLY: Expectation = {
  owner: 'deny',
  other: 'deny',
  guest: 'deny',
  service: 'deny',
  admin: 'deny',
  none: 'unauth',
};

/** Only the catalog's own service token (its processor): no user, no static token. */
export const CATALOG_PLUGIN_ONLY: Expectation = {
  owner: 'deny',
  other: 'deny',
  guest: 'deny',
  service: 'deny',
  admin: 'deny',
  none: 'unauth',
};

/** Backstage's permission integration: the permission backend (a service) calls it. */
export const PERMISSION_INTEGRATION: Expectation = {
  owner: 'deny',
  other: 'deny',
  guest: 'deny',
  service: 'allow',
  admin: 'deny',
  none: 'unauth',
};

/**
 * A cell where today's answer is not the documented one: the test asserts `actual` (so it fails
 * once the gap is closed, and the gap must then be removed here) and the docs show both.
 */
export type KnownGap = { actual: Outcome; note: string };

/** What the rows' requests are built from (created by the test before the matrix runs). */
export type MatrixContext = {
  /** A component owned by group:default/team-a, with pipelines, Jenkins and SonarQube. */
  entityRef: string;
  /** A queued pipeline run of that entity, with an approval job. */
  runId: string;
  /** The approval job of `runId`. */
  approvalJobRunId: string;
  /** Another queued run of the entity, for the cancel rows. */
  cancellableRunId: string;
  /** The entity's Jenkins job (`jenkins.io/job-full-name`) and one of its finished builds. */
  jenkinsJob: string;
  jenkinsBuildNumber: number;
  /** The entity's SonarQube project key. */
  sonarQubeProjectKey: string;
  /** A test recorder suite the entity owns, as created, and one of its tests. */
  testSuite: { name: string; testId: string; definition: ActionInput };
  /** One more suite of the entity per caller, for the delete row (a deleted suite is gone). */
  disposableTestSuites: Record<PrincipalId, string>;
  /** A queued run of `testSuite` (no worker runs it), and another for the cancel row. */
  testRunId: string;
  cancellableTestRunId: string;
  /** An artifact of `testRunId`, and the signed link the plugin gave for it. */
  testArtifactId: string;
  signedTestArtifact: { path: string; query: Record<string, string> };
  /** `X-Hub-Signature-256` of a GitHub webhook body. */
  signGithub(body: string): string;
  /** `X-Sonar-Webhook-HMAC-SHA256` of a SonarQube webhook body. */
  signSonarQube(body: string): string;
};

export type MatrixRequest = {
  /** The method sent, when the row's is `ALL` (a path the plugin mounts for any method). */
  method?: string;
  /** Below /api/<plugin>. */
  path: string;
  query?: Record<string, string>;
  /** Sent as JSON, or as it is when a string. */
  body?: unknown;
  headers?: Record<string, string>;
};

export type RouteRow = {
  plugin: string;
  method: string;
  /** The path as the plugin's router registered it. */
  path: string;
  /** Tells rows of one route apart (how it is asked decides what it needs). */
  variant?: string;
  /** Which permission or rule decides, for the docs. */
  rule: string;
  expect: Expectation;
  gaps?: Partial<Record<PrincipalId, KnownGap>>;
  /** The request `principal` sends (most rows send the same for everyone). */
  request(ctx: MatrixContext, principal: PrincipalId): MatrixRequest;
};

export type ActionRow = {
  /** `<pluginId>:<name>` as the actions registry lists it. */
  id: string;
  rule: string;
  expect: Expectation;
  gaps?: Partial<Record<PrincipalId, KnownGap>>;
  /**
   * Whether app-config.yaml's `backend.actions.filter` leaves it out: then MCP clients and the
   * AI assistant neither list nor invoke it (the plugin's invoke route answers 404), and the
   * answers above are what the rest of Comet (templates, the UI's REST twins) gets.
   */
  filtered?: boolean;
  input(ctx: MatrixContext): ActionInput;
};

/** Scaffolder template actions: run by a task, for the user (or service) who started it. */
export type ScaffolderActionRow = {
  id: string;
  /** Tells rows of one action apart (its inputs decide what it needs). */
  variant: string;
  rule: string;
  expect: Omit<Expectation, 'none'>;
  gaps?: Partial<Record<Exclude<PrincipalId, 'none'>, KnownGap>>;
  input(ctx: MatrixContext): ActionInput;
};

/** Routes every plugin's httpRouter adds (Backstage's actions registry); tested as actions. */
export const FRAMEWORK_ROUTE_PREFIXES = ['/.backstage/'];

const entity = (ctx: MatrixContext) => ({ entityRef: ctx.entityRef });
const jenkinsQuery = (ctx: MatrixContext) => ({
  entityRef: ctx.entityRef,
  job: ctx.jenkinsJob,
});

export const ROUTES: RouteRow[] = [
  // pipelines
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/webhooks/github',
    rule: 'HMAC signature (`pipelines.github.webhookSecret`)',
    expect: SIGNED_WEBHOOK,
    request: ctx => {
      const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
      return {
        path: '/webhooks/github',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': 'matrix-ping',
          'x-hub-signature-256': ctx.signGithub(body),
        },
      };
    },
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: '/runs', query: entity(ctx) }),
  },
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/runs',
    rule: '`pipelines.run.create` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({ path: '/runs', body: entity(ctx) }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs/:runId',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: `/runs/${ctx.runId}` }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs/:runId/logs',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: `/runs/${ctx.runId}/logs` }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs/:runId/logs/stream',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: `/runs/${ctx.runId}/logs/stream` }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs/:runId/artifacts',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: `/runs/${ctx.runId}/artifacts` }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/runs/:runId/artifacts/:jobRunId/*',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({
      path: `/runs/${ctx.runId}/artifacts/${ctx.approvalJobRunId}/dist/out.txt`,
    }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/ci-runs',
    rule: '`pipelines.run.read` (and each provider’s read)',
    expect: READ,
    request: ctx => ({ path: '/ci-runs', query: entity(ctx) }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/latest-runs',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: '/latest-runs', query: entity(ctx) }),
  },
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/runs/:runId/cancel',
    rule: '`pipelines.run.cancel` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({ path: `/runs/${ctx.cancellableRunId}/cancel` }),
  },
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/runs/:runId/rerun',
    rule: '`pipelines.run.create` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({ path: `/runs/${ctx.runId}/rerun`, body: {} }),
  },
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/runs/:runId/jobs/:jobRunId/decision',
    rule: '`pipelines.run.approve` (signed in; then the environment’s approvers)',
    expect: SIGNED_IN_WRITE,
    request: ctx => ({
      path: `/runs/${ctx.runId}/jobs/${ctx.approvalJobRunId}/decision`,
      body: { decision: 'approve' },
    }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/pipelines',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: '/pipelines', query: entity(ctx) }),
  },
  {
    plugin: 'pipelines',
    method: 'POST',
    path: '/validate',
    rule: 'signed in (no entity)',
    expect: READ,
    request: () => ({
      path: '/validate',
      body: { yaml: 'name: x\njobs:\n  a:\n    steps: [{ run: echo }]\n' },
    }),
  },
  {
    plugin: 'pipelines',
    method: 'GET',
    path: '/stats',
    rule: '`pipelines.run.read`',
    expect: READ,
    request: ctx => ({ path: '/stats', query: entity(ctx) }),
  },

  // jenkins
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/config',
    rule: 'signed in (instance names only)',
    expect: READ,
    request: () => ({ path: '/config' }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/entity-jobs',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({ path: '/entity-jobs', query: entity(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/entity-builds',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({ path: '/entity-builds', query: entity(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/jobs',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({ path: '/jobs', query: jenkinsQuery(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({ path: '/builds', query: jenkinsQuery(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'POST',
    path: '/builds',
    rule: '`jenkins.build.trigger` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({ path: '/builds', body: jenkinsQuery(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/queue/:queueId',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({ path: '/queue/1', query: jenkinsQuery(ctx) }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds/:number',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}`,
      query: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds/:number/tests',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/tests`,
      query: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds/:number/log',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/log`,
      query: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds/:number/console',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/console`,
      query: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'GET',
    path: '/builds/:number/log/stream',
    rule: '`jenkins.build.read`',
    expect: READ,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/log/stream`,
      query: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'POST',
    path: '/builds/:number/abort',
    rule: '`jenkins.build.abort` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/abort`,
      body: jenkinsQuery(ctx),
    }),
  },
  {
    plugin: 'jenkins',
    method: 'POST',
    path: '/builds/:number/rebuild',
    rule: '`jenkins.build.trigger` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: `/builds/${ctx.jenkinsBuildNumber}/rebuild`,
      body: jenkinsQuery(ctx),
    }),
  },

  // sonarqube
  {
    plugin: 'sonarqube',
    method: 'POST',
    path: '/webhook',
    rule: 'HMAC signature (the instance’s `webhookSecret`)',
    expect: SIGNED_WEBHOOK,
    request: ctx => {
      const body = JSON.stringify({
        status: 'SUCCESS',
        project: { key: ctx.sonarQubeProjectKey, name: 'Payments API' },
        qualityGate: { status: 'OK' },
      });
      return {
        path: '/webhook',
        query: { instance: 'default' },
        body,
        headers: {
          'content-type': 'application/json',
          'x-sonar-webhook-hmac-sha256': ctx.signSonarQube(body),
        },
      };
    },
  },
  ...['/summary', '/project', '/history', '/issues', '/branches', '/table'].map(
    (path): RouteRow => ({
      plugin: 'sonarqube',
      method: 'GET',
      path,
      rule: '`sonarqube.findings.read`',
      expect: READ,
      request: ctx => ({ path, query: entity(ctx) }),
    }),
  ),
  {
    plugin: 'sonarqube',
    method: 'GET',
    path: '/hotspots',
    rule: '`sonarqube.security.read`',
    expect: READ,
    request: ctx => ({ path: '/hotspots', query: entity(ctx) }),
  },

  // jira
  ...[
    '/entity/overview',
    '/entity/issues',
    '/entity/create-meta',
    '/entity/sprint',
    '/entity/versions',
  ].map(
    (path): RouteRow => ({
      plugin: 'jira',
      method: 'GET',
      path,
      rule: '`jira.issue.read`',
      expect: READ,
      request: ctx => ({ path, query: entity(ctx) }),
    }),
  ),
  {
    plugin: 'jira',
    method: 'GET',
    path: '/entity/release-notes',
    rule: '`jira.issue.read`',
    expect: READ,
    request: ctx => ({
      path: '/entity/release-notes',
      query: { ...entity(ctx), version: '1.4.0' },
    }),
  },
  ...['', '/transitions'].map(
    (suffix): RouteRow => ({
      plugin: 'jira',
      method: 'GET',
      path: `/issues/:key${suffix}`,
      rule: '`jira.issue.read`; the issue must be in the entity’s projects',
      expect: READ,
      request: ctx => ({ path: `/issues/PAY-1${suffix}`, query: entity(ctx) }),
    }),
  ),
  {
    plugin: 'jira',
    method: 'POST',
    path: '/entity/issues',
    rule: '`jira.issue.create` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/entity/issues',
      query: entity(ctx),
      body: { issueType: 'Task', summary: 'Permission matrix' },
    }),
  },
  {
    plugin: 'jira',
    method: 'POST',
    path: '/issues/:key/transitions',
    rule: '`jira.issue.update` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/issues/PAY-1/transitions',
      query: entity(ctx),
      body: { transition: 'In Progress' },
    }),
  },
  {
    plugin: 'jira',
    method: 'POST',
    path: '/issues/:key/comments',
    rule: '`jira.issue.update` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/issues/PAY-1/comments',
      query: entity(ctx),
      body: { body: 'Permission matrix' },
    }),
  },
  {
    plugin: 'jira',
    method: 'POST',
    path: '/issues/:key/attachments',
    rule: '`jira.issue.update` (owner)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/issues/PAY-1/attachments',
      query: { ...entity(ctx), filename: 'matrix.txt' },
      body: 'matrix',
      headers: { 'content-type': 'application/octet-stream' },
    }),
  },
  {
    plugin: 'jira',
    method: 'GET',
    path: '/me/issues',
    rule: 'signed-in users (their own issues); not services',
    expect: SIGNED_IN_WRITE,
    request: () => ({ path: '/me/issues' }),
  },
  {
    plugin: 'jira',
    method: 'POST',
    path: '/run-links',
    rule: 'the `pipelines` plugin’s own service token only (its Jira module reports the runs that name issues)',
    expect: {
      owner: 'deny',
      other: 'deny',
      guest: 'deny',
      service: 'deny',
      admin: 'deny',
      none: 'unauth',
    },
    request: ctx => ({
      path: '/run-links',
      body: {
        ...entity(ctx),
        runId: 'matrix-run',
        pipeline: 'ci',
        runNumber: 1,
        status: 'succeeded',
        path: '/pipelines/runs/matrix-run',
        createdAt: '2026-12-05T10:00:00.000Z',
        updatedAt: '2026-12-05T10:00:00.000Z',
        issues: [{ instance: 'default', key: 'PAY-1' }],
      },
    }),
  },
  {
    plugin: 'jira',
    method: 'GET',
    path: '/search',
    rule: '`jira.search.jql` (admin; not a read for static tokens)',
    expect: ADMIN_ONLY,
    request: () => ({ path: '/search', query: { jql: 'project = PAY' } }),
  },

  // github: every route reads the entity with the caller's credentials and checks its
  // github.com/project-slug against comet.resourceScopes.<owner>.github
  {
    plugin: 'github',
    method: 'GET',
    path: '/config',
    rule: 'signed-in users; not services',
    expect: USER_READ,
    request: () => ({ path: '/config' }),
  },
  ...[
    '/repository',
    '/workflow-runs',
    '/workflow-runs/:runId/jobs',
    '/pull-requests',
    '/pull-requests/:number',
    '/commits',
    '/cycle-time',
  ].map(
    (suffix): RouteRow => ({
      plugin: 'github',
      method: 'GET',
      path: `/entities/:kind/:namespace/:name${suffix}`,
      rule: '`catalog.entity.read` of the entity; its repository within the owner’s scopes',
      expect: READ,
      request: () => ({
        path: `/entities/component/default/payments-api${suffix
          .replace(':runId', '101')
          .replace(':number', '1')}`,
      }),
    }),
  ),
  ...(['rerun', 'cancel'] as const).map(
    (verb): RouteRow => ({
      plugin: 'github',
      method: 'POST',
      path: `/entities/:kind/:namespace/:name/workflow-runs/:runId/${verb}`,
      rule: `\`github.workflowRun.${verb}\` (owner)`,
      expect: OWNER_WRITE,
      // Each allowed caller its own run: GitHub refuses to re-run one that is running again
      request: (_ctx, principal) => {
        let runId = principal === 'admin' ? 102 : 101;
        if (verb === 'cancel') runId = 103;
        return {
          path: `/entities/component/default/payments-api/workflow-runs/${runId}/${verb}`,
        };
      },
    }),
  ),
  {
    plugin: 'github',
    method: 'POST',
    path: '/entities/:kind/:namespace/:name/pull-requests',
    rule: '`github.pullRequest.create` (owner); users only; only the entity’s pipeline files',
    expect: OWNER_WRITE,
    request: (_ctx, principal) => ({
      path: '/entities/component/default/payments-api/pull-requests',
      body: {
        title: `Permission matrix (${principal})`,
        files: { '.comet/pipeline.yaml': 'name: ci\n' },
      },
    }),
  },

  // test-recorder: every suite, run and artifact is checked on the entity that owns the suite
  {
    plugin: 'test-recorder',
    method: 'ALL',
    path: '/trace-viewer/*',
    rule: 'none: Playwright’s Trace Viewer, static files without data (it fetches a trace through a signed link)',
    expect: PUBLIC,
    request: () => ({ method: 'GET', path: '/trace-viewer/index.html' }),
  },
  {
    plugin: 'test-recorder',
    method: 'PUT',
    path: '/suites/:name/files/:file',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: `/suites/${ctx.testSuite.name}/files/matrix.txt`,
      body: 'matrix',
      headers: { 'content-type': 'application/octet-stream' },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/config',
    rule: 'signed in (what this backend can do; no entity)',
    expect: READ,
    request: () => ({ path: '/config' }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/suites',
    rule: '`test-recorder.suite.read`; users only',
    expect: USER_READ,
    request: ctx => ({ path: '/suites', query: entity(ctx) }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/suites',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    // The existing suite's name: those allowed get 409, nothing is created
    request: ctx => ({
      path: '/suites',
      body: { ...entity(ctx), definition: ctx.testSuite.definition },
    }),
  },
  ...['', '/versions', '/versions/:version', '/code', '/export'].map(
    (suffix): RouteRow => ({
      plugin: 'test-recorder',
      method: 'GET',
      path: `/suites/:name${suffix}`,
      rule: '`test-recorder.suite.read`; users only',
      expect: USER_READ,
      request: ctx => ({
        path: `/suites/${ctx.testSuite.name}${suffix.replace(':version', '1')}`,
      }),
    }),
  ),
  {
    plugin: 'test-recorder',
    method: 'PUT',
    path: '/suites/:name',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    // The owner saves version 2; the admin's change, from version 1 too, is a conflict (409)
    request: ctx => ({
      path: `/suites/${ctx.testSuite.name}`,
      body: { definition: ctx.testSuite.definition, baseVersion: 1 },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'DELETE',
    path: '/suites/:name',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    request: (ctx, principal) => ({
      path: `/suites/${ctx.disposableTestSuites[principal]}`,
    }),
  },
  ...(['PUT', 'DELETE'] as const).map(
    (method): RouteRow => ({
      plugin: 'test-recorder',
      method,
      path: '/suites/:name/secrets/:secret',
      rule: '`test-recorder.suite.edit` (owner); users only',
      expect: OWNER_WRITE,
      request: ctx => ({
        path: `/suites/${ctx.testSuite.name}/secrets/MATRIX_SECRET`,
        ...(method === 'PUT' ? { body: { value: 'matrix-value' } } : {}),
      }),
    }),
  ),
  {
    plugin: 'test-recorder',
    method: 'DELETE',
    path: '/suites/:name/files/:file',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: `/suites/${ctx.testSuite.name}/files/matrix.txt`,
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/suites/:name/tests/:testId/quarantine',
    rule: '`test-recorder.suite.edit` (owner); users only',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: `/suites/${ctx.testSuite.name}/tests/${ctx.testSuite.testId}/quarantine`,
      body: { quarantined: false },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/suites/:name/tests/:testId/history',
    rule: '`test-recorder.suite.read`; users only',
    expect: USER_READ,
    request: ctx => ({
      path: `/suites/${ctx.testSuite.name}/tests/${ctx.testSuite.testId}/history`,
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/suites/:name/runs',
    rule: '`test-recorder.suite.run` (owner); users only',
    expect: OWNER_WRITE,
    request: ctx => ({ path: `/suites/${ctx.testSuite.name}/runs`, body: {} }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/pipeline-runs',
    rule: 'the `pipelines` plugin’s own service token only (its `test-recorder/suite` step)',
    expect: PIPELINES_PLUGIN_ONLY,
    request: ctx => ({
      path: '/pipeline-runs',
      body: {
        ...entity(ctx),
        suite: ctx.testSuite.name,
        pipelineRunId: 'matrix-pipeline-run',
      },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/runs',
    rule: '`test-recorder.suite.read`; users only',
    expect: USER_READ,
    request: ctx => ({ path: '/runs', query: entity(ctx) }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/runs/:runId',
    rule: '`test-recorder.suite.read`',
    expect: READ,
    request: ctx => ({ path: `/runs/${ctx.testRunId}` }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/runs/:runId/cancel',
    rule: '`test-recorder.suite.run` (owner); the `pipelines` plugin for its step’s runs',
    expect: OWNER_WRITE,
    request: ctx => ({ path: `/runs/${ctx.cancellableTestRunId}/cancel` }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/runs/:runId/baselines',
    rule: '`test-recorder.baseline.accept` (owner); users only',
    expect: OWNER_WRITE,
    // The run has no screenshot check: those allowed get 404
    request: ctx => ({
      path: `/runs/${ctx.testRunId}/baselines`,
      body: { testId: ctx.testSuite.testId, stepId: 's1' },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/runs/:runId/tests/:testId/jira-bug',
    rule: '`test-recorder.suite.read`; users only; then the `jira:create-issue` action as the caller (`jira.issue.create`, owner)',
    expect: USER_READ,
    // The run has no failed test: those allowed to read it get 404 before Jira is asked
    request: ctx => ({
      path: `/runs/${ctx.testRunId}/tests/${ctx.testSuite.testId}/jira-bug`,
      body: {},
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/artifacts/:artifactId/url',
    rule: '`test-recorder.artifact.read`; users only',
    expect: USER_READ,
    request: ctx => ({ path: `/artifacts/${ctx.testArtifactId}/url` }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/artifacts/:artifactId',
    variant: 'with a token',
    rule: '`test-recorder.artifact.read`; users only',
    expect: USER_READ,
    request: ctx => ({ path: `/artifacts/${ctx.testArtifactId}` }),
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/artifacts/:artifactId',
    variant: 'with a signed link',
    rule: 'the link (from `POST …/url`, one hour), whoever holds it; no token needed',
    expect: PUBLIC,
    request: ctx => ctx.signedTestArtifact,
  },
  {
    plugin: 'test-recorder',
    method: 'GET',
    path: '/artifacts/:artifactId',
    variant: 'with a link signed for another artifact',
    rule: 'refused, a token or not',
    expect: NOBODY,
    request: ctx => ({
      path: '/artifacts/3f1c0c2e-0000-4000-8000-000000000000',
      query: ctx.signedTestArtifact.query,
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/recordings',
    rule: '`test-recorder.suite.record` (owner); users only (recording is off in the matrix: no browser)',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/recordings',
      body: { ...entity(ctx), viewport: { width: 1280, height: 720 } },
    }),
  },
  {
    plugin: 'test-recorder',
    method: 'DELETE',
    path: '/recordings/:sessionId',
    rule: 'the user who opened the session (404 for anyone else’s)',
    expect: SIGNED_IN_WRITE,
    request: () => ({ path: '/recordings/matrix-session' }),
  },
  {
    plugin: 'test-recorder',
    method: 'POST',
    path: '/recordings/:sessionId/secrets',
    rule: 'the user who opened the session (404 for anyone else’s); then `test-recorder.suite.edit` (owner)',
    expect: SIGNED_IN_WRITE,
    request: ctx => ({
      path: '/recordings/matrix-session/secrets',
      body: { suiteName: ctx.testSuite.name },
    }),
  },
];

// ai-assistant: users only (a service has no conversations); each user sees only their own
// conversations and confirmations (another's id answers 404); the chat needs
// `ai-assistant.chat.use` and acts only through actions, each checked as the user
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
ROUTES.push(
  {
    plugin: 'ai-assistant',
    method: 'GET',
    path: '/config',
    rule: 'signed-in users; not services',
    expect: USER_READ,
    request: () => ({ path: '/config' }),
  },
  {
    plugin: 'ai-assistant',
    method: 'GET',
    path: '/conversations',
    rule: 'signed-in users, their own conversations; not services',
    expect: USER_READ,
    request: () => ({ path: '/conversations' }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/conversations',
    rule: '`ai-assistant.chat.use` (signed-in users); not services',
    expect: USER_READ,
    request: () => ({ path: '/conversations', body: { title: 'Matrix' } }),
  },
  ...(['GET', 'PATCH', 'DELETE'] as const).map(
    (method): RouteRow => ({
      plugin: 'ai-assistant',
      method,
      path: '/conversations/:conversationId',
      rule: 'signed-in users, their own conversation (another’s answers 404); not services',
      expect: USER_READ,
      request: () => ({
        path: `/conversations/${NO_SUCH_ID}`,
        body: method === 'PATCH' ? { title: 'Renamed' } : undefined,
      }),
    }),
  ),
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/conversations/:conversationId/messages',
    rule: '`ai-assistant.chat.use`, their own conversation; not services',
    expect: USER_READ,
    request: () => ({
      path: `/conversations/${NO_SUCH_ID}/messages`,
      body: { content: 'Hello' },
    }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/confirmations/:confirmationId',
    rule: '`ai-assistant.chat.use`; the confirmation’s own user, conversation and call only',
    expect: USER_READ,
    request: () => ({
      path: `/confirmations/${NO_SUCH_ID}`,
      body: {
        decision: 'reject',
        conversationId: NO_SUCH_ID,
        callHash: '0'.repeat(64),
      },
    }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/explain',
    rule: 'signed-in users; reads the run only through actions with the caller’s credentials',
    expect: USER_READ,
    request: () => ({ path: '/explain', body: { runId: NO_SUCH_ID } }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/generate/pipeline',
    rule: '`ai-assistant.chat.use` (signed-in users); validated through `pipelines:validate-pipeline` as the user; not services',
    expect: USER_READ,
    request: () => ({
      path: '/generate/pipeline',
      body: { description: 'Build and test with npm' },
    }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/generate/test-suite',
    rule: '`ai-assistant.chat.use` (signed-in users); saves and runs the suite through the test recorder’s actions as the user (`test-recorder.suite.edit`/`run`, owner); not services',
    expect: USER_READ,
    request: ctx => ({
      path: '/generate/test-suite',
      body: {
        ...entity(ctx),
        description: 'Open the home page',
        baseUrl: 'http://127.0.0.1:4173',
        suiteName: 'matrix-generated-suite',
      },
    }),
  },
  {
    plugin: 'ai-assistant',
    method: 'GET',
    path: '/rules',
    rule: 'signed-in users; not services',
    expect: USER_READ,
    request: () => ({ path: '/rules' }),
  },
  {
    plugin: 'ai-assistant',
    method: 'PUT',
    path: '/rules',
    rule: '`ai-assistant.rules.manage` (admin)',
    expect: ADMIN_ONLY,
    request: () => ({ path: '/rules', body: { yaml: '# none\n' } }),
  },
  {
    plugin: 'ai-assistant',
    method: 'POST',
    path: '/rules/test',
    rule: '`ai-assistant.rules.manage` (admin)',
    expect: ADMIN_ONLY,
    request: () => ({
      path: '/rules/test',
      body: { rule: 'id: x', log: 'x' },
    }),
  },
  {
    plugin: 'ai-assistant',
    method: 'GET',
    path: '/usage',
    rule: '`ai-assistant.usage.read` (admin)',
    expect: ADMIN_ONLY,
    request: () => ({ path: '/usage' }),
  },
);

// comet (delivery health): reads the entity from the catalog as the caller (an entity they cannot see
// answers 404), and every section only through the other plugins' actions with the caller's
// credentials, so each section is what those actions let the caller see
ROUTES.push(
  {
    plugin: 'comet',
    method: 'GET',
    path: '/entity',
    rule: '`catalog.entity.read`; each section through the owning plugin’s action as the caller',
    expect: READ,
    request: ctx => ({ path: '/entity', query: entity(ctx) }),
  },
  {
    plugin: 'comet',
    method: 'POST',
    path: '/group',
    rule: '`catalog.entity.read` on the group and each owned component; each section through the owning plugin’s action as the caller',
    expect: READ,
    request: () => ({
      path: '/group',
      body: { groupRef: 'group:default/team-a' },
    }),
  },
);

// comet (the Integrations card): the entity is read as the caller; lists that come from
// Comet's own accounts (Jira components) only for those who may change the wiring; overrides
// are owner-only; the catalog processor alone reads every override
ROUTES.push(
  {
    plugin: 'comet',
    method: 'GET',
    path: '/integrations/options',
    rule: '`comet.integrations.override` or `github.pullRequest.create` (owner); suites through the test recorder’s action as the caller',
    expect: OWNER_WRITE,
    request: ctx => ({ path: '/integrations/options', query: entity(ctx) }),
  },
  {
    plugin: 'comet',
    method: 'GET',
    path: '/integrations/wiring',
    rule: '`catalog.entity.read`',
    expect: READ,
    request: ctx => ({ path: '/integrations/wiring', query: entity(ctx) }),
  },
  {
    plugin: 'comet',
    method: 'POST',
    path: '/integrations/wiring',
    variant: 'override',
    rule: '`comet.integrations.override` (owner); users only; only the wiring annotations',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/integrations/wiring',
      body: {
        entityRef: ctx.entityRef,
        mode: 'override',
        annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
      },
    }),
  },
  {
    plugin: 'comet',
    method: 'POST',
    path: '/integrations/wiring',
    variant: 'pull-request',
    rule: '`github.pullRequest.create` (owner); users only; then GitHub’s `github:propose-catalog-change` as the caller',
    expect: OWNER_WRITE,
    request: ctx => ({
      path: '/integrations/wiring',
      body: {
        entityRef: ctx.entityRef,
        mode: 'pull-request',
        annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
      },
    }),
  },
  {
    plugin: 'comet',
    method: 'DELETE',
    path: '/integrations/wiring',
    rule: '`comet.integrations.override` (owner); users only',
    expect: OWNER_WRITE,
    request: ctx => ({ path: '/integrations/wiring', query: entity(ctx) }),
  },
  {
    plugin: 'comet',
    method: 'GET',
    path: '/integrations/overrides',
    rule: 'the catalog’s service token only (its processor merges overrides)',
    expect: CATALOG_PLUGIN_ONLY,
    request: () => ({ path: '/integrations/overrides' }),
  },
);

// Backstage's permission integration, which every plugin with permissions serves
for (const plugin of [
  'pipelines',
  'jenkins',
  'sonarqube',
  'jira',
  'test-recorder',
  'github',
  'ai-assistant',
  'comet',
]) {
  ROUTES.push(
    {
      plugin,
      method: 'GET',
      path: '/.well-known/backstage/permissions/metadata',
      rule: 'Backstage: the plugin’s permissions and rules',
      expect: READ,
      request: () => ({ path: '/.well-known/backstage/permissions/metadata' }),
    },
    {
      plugin,
      method: 'POST',
      path: '/.well-known/backstage/permissions/apply-conditions',
      rule: 'Backstage: services only (the permission backend applies conditions)',
      expect: PERMISSION_INTEGRATION,
      request: () => ({
        path: '/.well-known/backstage/permissions/apply-conditions',
        body: { items: [] },
      }),
    },
  );
}

export const ACTIONS: ActionRow[] = [
  {
    id: 'pipelines:list-runs',
    rule: '`pipelines.run.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'pipelines:get-run',
    rule: '`pipelines.run.read`',
    expect: READ,
    input: ctx => ({ runId: ctx.runId }),
  },
  {
    id: 'pipelines:get-run-logs',
    rule: '`pipelines.run.read`',
    expect: READ,
    input: ctx => ({ runId: ctx.runId }),
  },
  {
    id: 'pipelines:trigger-run',
    rule: '`pipelines.run.create` (owner)',
    expect: OWNER_WRITE,
    input: entity,
  },
  {
    id: 'pipelines:cancel-run',
    filtered: true,
    rule: '`pipelines.run.cancel` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ runId: ctx.cancellableRunId }),
  },
  {
    id: 'pipelines:approve-run',
    filtered: true,
    rule: '`pipelines.run.approve` (signed in; then the environment’s approvers)',
    expect: SIGNED_IN_WRITE,
    input: ctx => ({
      runId: ctx.runId,
      jobRunId: ctx.approvalJobRunId,
      decision: 'approve',
    }),
  },
  {
    id: 'pipelines:list-pipeline-files',
    rule: '`pipelines.run.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'pipelines:validate-pipeline',
    rule: 'signed in (no entity)',
    expect: READ,
    input: () => ({
      yaml: 'name: x\njobs:\n  a:\n    steps: [{ run: echo }]\n',
    }),
  },
  {
    id: 'jenkins:list-builds',
    rule: '`jenkins.build.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'jenkins:get-build',
    rule: '`jenkins.build.read`',
    expect: READ,
    input: ctx => ({ ...jenkinsQuery(ctx), number: ctx.jenkinsBuildNumber }),
  },
  {
    id: 'jenkins:get-build-log',
    rule: '`jenkins.build.read`',
    expect: READ,
    input: ctx => ({ ...jenkinsQuery(ctx), number: ctx.jenkinsBuildNumber }),
  },
  {
    id: 'jenkins:trigger-build',
    rule: '`jenkins.build.trigger` (owner)',
    expect: OWNER_WRITE,
    input: jenkinsQuery,
  },
  {
    id: 'jenkins:abort-build',
    filtered: true,
    rule: '`jenkins.build.abort` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ ...jenkinsQuery(ctx), number: ctx.jenkinsBuildNumber }),
  },
  {
    id: 'jenkins:search-jobs',
    rule: 'users only (no entity); only jobs within `comet.resourceScopes` of the caller’s groups',
    expect: USER_READ,
    input: () => ({ query: 'payments' }),
  },
  {
    id: 'sonarqube:get-quality-gate',
    rule: '`sonarqube.findings.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'sonarqube:get-measures',
    rule: '`sonarqube.findings.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'sonarqube:search-issues',
    rule: '`sonarqube.findings.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'sonarqube:search-projects',
    rule: 'users only (no entity); only projects within `comet.resourceScopes` of the caller’s groups',
    expect: USER_READ,
    input: () => ({ query: 'payments' }),
  },
  ...['jira:search-issues', 'jira:get-active-sprint'].map(
    (id): ActionRow => ({
      id,
      rule: '`jira.issue.read`',
      expect: READ,
      input: entity,
    }),
  ),
  {
    id: 'jira:get-issue',
    rule: '`jira.issue.read`',
    expect: READ,
    input: ctx => ({ ...entity(ctx), key: 'PAY-1' }),
  },
  {
    id: 'jira:get-release-notes',
    rule: '`jira.issue.read`',
    expect: READ,
    input: ctx => ({ ...entity(ctx), version: '1.4.0' }),
  },
  {
    id: 'jira:create-issue',
    rule: '`jira.issue.create` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ ...entity(ctx), issueType: 'Task', summary: 'Matrix' }),
  },
  {
    id: 'jira:transition-issue',
    rule: '`jira.issue.update` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ ...entity(ctx), key: 'PAY-1', transition: 'In Progress' }),
  },
  {
    id: 'jira:add-comment',
    rule: '`jira.issue.update` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ ...entity(ctx), key: 'PAY-1', body: 'Matrix' }),
  },
  {
    id: 'jira:list-projects',
    rule: 'users only (no entity); only projects within `comet.resourceScopes` of the caller’s groups',
    expect: USER_READ,
    input: () => ({ query: 'PAY' }),
  },
  {
    id: 'test-recorder:list-suites',
    rule: '`test-recorder.suite.read`',
    expect: READ,
    input: entity,
  },
  {
    id: 'test-recorder:get-suite',
    rule: '`test-recorder.suite.read`',
    expect: READ,
    input: ctx => ({ suite: ctx.testSuite.name }),
  },
  {
    id: 'test-recorder:create-suite',
    rule: '`test-recorder.suite.edit` (owner)',
    expect: OWNER_WRITE,
    // The existing suite's name: those allowed get 409, nothing is created
    input: ctx => ({ ...entity(ctx), definition: ctx.testSuite.definition }),
  },
  {
    id: 'test-recorder:update-suite',
    rule: '`test-recorder.suite.edit` (owner)',
    expect: OWNER_WRITE,
    // An outdated base version: those allowed get 409, nothing is saved
    input: ctx => ({
      suite: ctx.testSuite.name,
      definition: ctx.testSuite.definition,
      baseVersion: 999,
    }),
  },
  {
    id: 'test-recorder:run-suite',
    rule: '`test-recorder.suite.run` (owner)',
    expect: OWNER_WRITE,
    input: ctx => ({ suite: ctx.testSuite.name }),
  },
  {
    id: 'test-recorder:get-run',
    rule: '`test-recorder.suite.read`',
    expect: READ,
    input: ctx => ({ runId: ctx.testRunId }),
  },
  {
    id: 'test-recorder:get-test-history',
    rule: '`test-recorder.suite.read`',
    expect: READ,
    input: ctx => ({ suite: ctx.testSuite.name, testId: ctx.testSuite.testId }),
  },
  ...[
    'github:list-pull-requests',
    'github:list-commits',
    'github:list-workflow-runs',
  ].map(
    (id): ActionRow => ({
      id,
      rule: '`catalog.entity.read`; the repository within the owner’s scopes',
      expect: READ,
      input: entity,
    }),
  ),
  {
    id: 'comet:get-delivery-health',
    rule: '`catalog.entity.read`; each section through the owning plugin’s action with the caller’s credentials',
    expect: READ,
    input: entity,
  },
  {
    id: 'ai-assistant:explain-run',
    rule: 'signed in; reads the run through actions with the caller’s credentials',
    expect: READ,
    input: ctx => ({ runId: ctx.runId }),
  },
  {
    id: 'ai-assistant:generate-pipeline',
    rule: '`ai-assistant.chat.use`; users only; validated through `pipelines:validate-pipeline` with the caller’s credentials',
    expect: USER_READ,
    input: () => ({ description: 'Build and test with npm' }),
  },
  {
    id: 'ai-assistant:generate-test-suite',
    rule: '`ai-assistant.chat.use`; users only; saves and runs the suite through the test recorder’s actions with the caller’s credentials',
    expect: USER_READ,
    input: ctx => ({
      ...entity(ctx),
      description: 'Open the home page',
      baseUrl: 'http://127.0.0.1:4173',
      suiteName: 'matrix-generated-suite',
    }),
  },
  {
    id: 'github:get-pull-request',
    rule: '`catalog.entity.read`; the repository within the owner’s scopes',
    expect: READ,
    input: ctx => ({ ...entity(ctx), number: 1 }),
  },
  {
    id: 'github:list-workflow-jobs',
    rule: '`catalog.entity.read`; the repository within the owner’s scopes',
    expect: READ,
    input: ctx => ({ ...entity(ctx), runId: 102 }),
  },
  {
    id: 'github:get-job-log',
    rule: '`catalog.entity.read`; the repository within the owner’s scopes',
    expect: READ,
    input: ctx => ({ ...entity(ctx), jobId: 2001 }),
  },
  {
    id: 'github:create-pull-request',
    rule: '`github.pullRequest.create` (owner); users only',
    expect: OWNER_WRITE,
    input: ctx => ({
      ...entity(ctx),
      title: 'Permission matrix action',
      files: { '.comet/pipeline.yaml': 'name: ci\n' },
    }),
  },
  {
    id: 'github:propose-catalog-change',
    rule: '`github.pullRequest.create` (owner); users only; only the wiring annotations',
    expect: OWNER_WRITE,
    input: ctx => ({
      ...entity(ctx),
      annotations: { 'jira/component': 'permission-matrix' },
      title: 'Permission matrix catalog change',
    }),
  },
];

const { none: _none, ...ADMIN_ONLY_TASK } = ADMIN_ONLY;
const { none: _none2, ...SIGNED_IN_TASK } = SIGNED_IN_WRITE;

export const SCAFFOLDER_ACTIONS: ScaffolderActionRow[] = [
  {
    id: 'jenkins:job:create',
    variant: 'from configXml',
    rule: '`jenkins.job.configure` (admin)',
    expect: ADMIN_ONLY_TASK,
    input: () => ({
      name: 'matrix-raw',
      folder: 'payments',
      configXml: '<project><builders/></project>',
    }),
  },
  {
    id: 'jenkins:job:create',
    variant: 'Pipeline job from repoUrl, no credentials',
    rule: 'no permission (a Jenkinsfile job without Jenkins credentials)',
    expect: { ...SIGNED_IN_TASK, service: 'allow' },
    input: () => ({
      name: 'matrix-pipeline',
      folder: 'payments',
      repoUrl: 'https://git.example.com/acme/matrix.git',
    }),
  },
  {
    id: 'jenkins:job:build',
    variant: 'a job the task did not create',
    rule: '`jenkins.job.configure` (admin); the job an earlier step of the same task created: none (‡)',
    expect: ADMIN_ONLY_TASK,
    input: () => ({ job: 'payments/payments-api' }),
  },
  {
    id: 'sonarqube:project:create',
    variant: 'with a quality gate',
    rule: '`sonarqube.project.configure` (admin)',
    expect: ADMIN_ONLY_TASK,
    input: () => ({
      projectKey: 'acme_matrix-gated',
      name: 'Matrix gated',
      qualityGate: 'Sonar way',
    }),
  },
  {
    id: 'sonarqube:project:create',
    variant: 'no gate, no new-code definition',
    rule: 'no permission',
    expect: { ...SIGNED_IN_TASK, service: 'allow' },
    input: () => ({ projectKey: 'acme_matrix-plain', name: 'Matrix plain' }),
  },
];

SCAFFOLDER_ACTIONS.push(
  {
    id: 'jira:issue:create',
    variant: 'for an entity (dry run)',
    rule: '`jira.issue.create` on `entityRef` (owner)',
    expect: (({ none: _n, ...rest }) => rest)(OWNER_WRITE),
    input: ctx => ({
      ...entity(ctx),
      projectKey: 'PAY',
      summary: 'Matrix issue',
    }),
  },
  {
    id: 'jira:component:create',
    variant: 'a new component in PAY (dry run)',
    rule: "`jira.component.create` (signed in); the project within the `jira` scopes of one of the initiator's groups (team-a: PAY); admins anywhere",
    expect: (({ none: _n, ...rest }) => rest)(OWNER_WRITE),
    input: () => ({ projectKey: 'PAY', name: 'matrix-new-component' }),
  },
  {
    id: 'test-recorder:suite:create',
    variant: 'for an entity in the catalog (dry run)',
    rule: '`test-recorder.suite.edit` on `entityRef` (owner); the real run calls `test-recorder:create-suite` as the initiator',
    expect: (({ none: _n, ...rest }) => rest)(OWNER_WRITE),
    input: ctx => ({
      ...entity(ctx),
      suite: {
        name: 'matrix-scaffolded-suite',
        baseUrl: 'http://127.0.0.1:4173',
        tests: [],
      },
    }),
  },
);

// The golden path's own steps (comet-service template). comet:service:check and
// comet:repo:create ask no permission: the first only reads the catalog as the initiator, the
// second writes only a repository the portal serves, tagged with its entity and creator, and
// refuses any other's (a dry run fails before anything, on the inputs, for every caller).
// pipelines:run:trigger's real run calls pipelines:trigger-run as the initiator.
SCAFFOLDER_ACTIONS.push(
  {
    id: 'comet:service:check',
    variant: 'a new service (dry run)',
    rule: 'no permission; reads the catalog as the initiator',
    expect: { ...SIGNED_IN_TASK, service: 'allow' },
    input: () => ({
      name: 'matrix-service',
      owner: 'group:default/team-a',
      repoHost: 'portal',
    }),
  },
  {
    id: 'comet:repo:create',
    variant: 'a portal repository (dry run)',
    rule: 'no permission; only the creator may resume a repository (its `comet.entity` and `comet.createdBy`)',
    expect: { ...SIGNED_IN_TASK, service: 'allow' },
    input: () => ({
      name: 'matrix-service',
      entityRef: 'component:default/matrix-service',
    }),
  },
  {
    id: 'pipelines:run:trigger',
    variant: 'for an entity in the catalog (dry run)',
    rule: '`pipelines.run.create` on `entityRef` (owner); the real run calls `pipelines:trigger-run` as the initiator',
    expect: (({ none: _n, ...rest }) => rest)(OWNER_WRITE),
    input: entity,
  },
);

const CELL: Record<Outcome, string> = {
  allow: 'allow',
  deny: '**403**',
  unauth: '401',
};

function cell(
  expected: Outcome | undefined,
  gap: KnownGap | undefined,
): string {
  if (!expected) return '–';
  if (!gap) return CELL[expected];
  return `${CELL[expected]} (today: ${CELL[gap.actual]}†)`;
}

/** The "Permission matrix" section of docs/security.md, from the tables above. */
export function renderMatrixMarkdown(): string {
  const header = `| | rule | ${PRINCIPALS.join(
    ' | ',
  )} |\n|---|---|${PRINCIPALS.map(() => '---').join('|')}|`;
  const gapNotes: string[] = [];
  const row = (
    name: string,
    rule: string,
    expect: Partial<Expectation>,
    gaps: Partial<Record<PrincipalId, KnownGap>> = {},
  ) => {
    for (const [principal, gap] of Object.entries(gaps)) {
      gapNotes.push(`- ${name}, ${principal}: ${gap!.note}`);
    }
    return `| ${name} | ${rule} | ${PRINCIPALS.map(p =>
      cell(expect[p], gaps[p]),
    ).join(' | ')} |`;
  };
  const lines = [
    '## Permission matrix',
    '',
    '<!-- Generated from packages/backend/src/permissionMatrix/matrix.ts by permissionMatrix.test.ts',
    '     (UPDATE_PERMISSION_MATRIX_DOC=1 rewrites it); edit the tables there, not here. -->',
    '',
    'What every route and action of the Comet backend plugins answers to each kind of caller,',
    'as `packages/backend/src/permissionMatrix/permissionMatrix.test.ts` checks it against the',
    'real plugins, Backstage’s permission backend and Comet’s policy. A route or action that is',
    'not in its table fails that test, so this list is complete. Callers:',
    '',
    ...PRINCIPALS.map(p => `- **${p}**: ${PRINCIPAL_DESCRIPTIONS[p]}`),
    '',
    '`allow` means authentication and the permission check let the request through (the',
    'service may still answer 400, 404 or 409 for the request itself); **403** is a refusal by',
    'the permission check (Comet’s policy, or its permissions service for static tokens); 401 is',
    'Backstage’s refusal of a request without a valid token.',
    '',
    '### REST routes (`/api/<plugin>/…`)',
    '',
    header,
    ...ROUTES.map(r =>
      row(
        `\`${r.method} /api/${r.plugin}${r.path}\`${
          r.variant ? ` ${r.variant}` : ''
        }`,
        r.rule,
        r.expect,
        r.gaps,
      ),
    ),
    '',
    '### Actions (AI assistant, MCP clients, `/.backstage/actions`)',
    '',
    'Marked “(filtered)”: left out by `backend.actions.filter` in `app-config.yaml` (destructive',
    'actions), so MCP clients and the AI assistant neither list nor invoke them and their invoke',
    'route answers 404; the answers shown are the permission check’s without that filter.',
    '',
    header,
    ...ACTIONS.map(a =>
      row(
        `\`${a.id}\`${a.filtered ? ' (filtered)' : ''}`,
        a.rule,
        a.expect,
        a.gaps,
      ),
    ),
    '',
    '### Scaffolder actions (as the user or service who started the task)',
    '',
    header,
    ...SCAFFOLDER_ACTIONS.map(a =>
      row(`\`${a.id}\` ${a.variant}`, a.rule, a.expect, a.gaps),
    ),
    '',
  ];
  lines.push(
    '‡ `jenkins:job:build` names a job, not an entity, so no entity permission applies: a',
    'template that took the job name as a parameter would let its users start any job (another',
    'team’s deploy job) with Comet’s Jenkins credentials. It builds the job that a',
    '`jenkins:job:create` step of the same task created (remembered in memory; after a restart',
    'the step needs the permission), and any other job only for who holds `jenkins.job.configure`.',
    '',
    '**Static tokens through MCP.** A plugin that calls another on behalf of a service principal',
    'sends its own token (Backstage’s `getPluginRequestToken`), so the called plugin sees',
    '`plugin:<caller>`. For the MCP endpoint and the AI assistant, Comet’s permissions service',
    'treats that service principal as a static token without grants (reads only), so a static',
    'token writes nothing through `/api/mcp-actions/v1` it may not write directly. **Known',
    'gap:** another backend plugin that acts for a static token (the test’s probe plugin)',
    'still passes as itself; the matrix test asserts today’s answer (“KNOWN GAP”) so that it',
    'fails once this is closed. Give static tokens `accessRestrictions` in',
    '`backend.auth.externalAccess` (Backstage refuses to delegate such a token) where that matters.',
    '',
    'Not in these tables: the AI and MCP refusals of `pipelines.run.approve` and',
    '`jenkins.build.abort` (see "Roles and permissions"; tested in',
    '`packages/backend/src/permissions`); the test recorder’s live-view WebSocket',
    '(`/api/test-recorder/recordings/socket`: user tokens only, and only the user who opened the',
    'session), which the plugin adds only where recording works (the matrix starts no browser,',
    'so recording is off there); and the demo-only plugins of `packages/backend`',
    '(`/api/fakes`, `/api/example-repos`), which take unauthenticated requests by design and',
    'are off unless `comet.fakes.*` or `comet.exampleRepos.sourceDir` is set.',
    '',
  );
  if (gapNotes.length) {
    lines.push(
      '† Known gaps, where today’s answer is not the documented one:',
      '',
    );
    lines.push(...gapNotes, '');
  }
  return lines.join('\n');
}
