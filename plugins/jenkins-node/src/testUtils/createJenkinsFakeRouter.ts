import express from 'express';
import { createHash } from 'node:crypto';
import { applyTree, parseTree } from './tree';
import {
  DEFAULT_JENKINS_FAKE_USERS,
  JenkinsFakeBuild,
  JenkinsFakeJob,
  JenkinsFakeParameter,
  JenkinsFakeState,
  JenkinsFakeStateOptions,
  JenkinsFakeUser,
  seedFromConfigXml,
} from './JenkinsFakeState';

export type JenkinsFakeOptions = JenkinsFakeStateOptions & {
  /** Who may call the API (HTTP basic `username:apiKey`). Default: comet, legacy-bot, viewer. */
  users?: JenkinsFakeUser[];
  /**
   * Milliseconds to wait before each answer, so a benchmark against the fake sees a network's
   * round trip instead of loopback's. Default 0.
   */
  latencyMs?: number;
  /** The former name of `latencyMs`, still read by callers that predate it. */
  responseDelayMs?: number;
};

/** A request the fake answered, for tests and the benchmark to count API calls. */
export type JenkinsFakeRequest = {
  method: string;
  path: string;
  user?: string;
  status: number;
};

/** Controls for tests: the request log and failures to simulate. */
export type JenkinsFakeControl = {
  state: JenkinsFakeState;
  requests: JenkinsFakeRequest[];
  /**
   * Answer the next `count` matching requests with `status` (429 carries Retry-After). With
   * `afterHandling`, Jenkins still acts on the request (a POST queues its build) and only the
   * answer is replaced, as when a proxy in front of Jenkins times out or fails on the way back.
   */
  failNext(options: {
    status: 429 | 500 | 502 | 503 | 504;
    count?: number;
    retryAfterSeconds?: number;
    pathIncludes?: string;
    afterHandling?: boolean;
  }): void;
  /** The crumb a user must send with POSTs. */
  crumbFor(username: string): string;
};

export type JenkinsFakeRouter = express.Router & { fake: JenkinsFakeControl };

const CLASS_OF_KIND = {
  freestyle: 'hudson.model.FreeStyleProject',
  pipeline: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
  folder: 'com.cloudbees.hudson.plugins.folder.Folder',
  multibranch:
    'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
} as const;

const PARAMETER_CLASS = {
  string: 'hudson.model.StringParameterDefinition',
  text: 'hudson.model.TextParameterDefinition',
  password: 'hudson.model.PasswordParameterDefinition',
  boolean: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
} as const;

const STAGES = ['Checkout', 'Build', 'Test', 'Deploy'];

/** The ball colour Jenkins shows for a finished build's result. */
const COLOR_OF_RESULT = {
  SUCCESS: 'blue',
  UNSTABLE: 'yellow',
  ABORTED: 'aborted',
  FAILURE: 'red',
} as const;

/** The default value Jenkins reports for a parameter definition (never a password). */
function defaultValueInJson(
  p: JenkinsFakeParameter,
): string | boolean | undefined {
  if (p.type === 'choice') return p.choices[0];
  if (p.type === 'password') return undefined;
  return p.defaultValue ?? '';
}

/** The first `failed` cases fail, the next `skipped` are skipped, the rest pass. */
function testCaseStatus(index: number, failed: number, skipped: number) {
  if (index < failed) return 'FAILED';
  if (index < failed + skipped) return 'SKIPPED';
  return 'PASSED';
}

/**
 * A stateful fake Jenkins that answers as Jenkins' remote access API documentation says:
 * `api/json` with `tree=` (ranges `{a,b}` included), the crumb issuer, `build` and
 * `buildWithParameters` (201 with the queue item in `Location`), queue items that become
 * builds, `logText/progressiveText` with `X-Text-Size`/`X-More-Data`, `consoleText`,
 * `stop`, `testReport`, the Pipeline stage view (`wfapi`), `config.xml` and `createItem`.
 * Every call needs HTTP basic auth with a user's API token (401 otherwise); POSTs need the
 * crumb and a user that may build (403 otherwise).
 */
export function createJenkinsFakeRouter(
  options: JenkinsFakeOptions = {},
): JenkinsFakeRouter {
  const state = new JenkinsFakeState(options);
  const users = options.users ?? DEFAULT_JENKINS_FAKE_USERS;
  const requests: JenkinsFakeRequest[] = [];
  const failures: {
    status: number;
    count: number;
    retryAfterSeconds?: number;
    pathIncludes?: string;
    afterHandling?: boolean;
  }[] = [];
  const crumbFor = (username: string) =>
    createHash('sha256')
      .update(`fake-jenkins-crumb:${username}`)
      .digest('hex')
      .slice(0, 32);

  const router = express.Router() as JenkinsFakeRouter;
  router.fake = {
    state,
    requests,
    failNext: failure =>
      failures.push({ ...failure, count: failure.count ?? 1 }),
    crumbFor,
  };

  router.use(express.urlencoded({ extended: false, limit: '1mb' }));
  router.use(
    express.text({ type: ['application/xml', 'text/xml'], limit: '1mb' }),
  );

  router.use(async (req, res) => {
    const latencyMs = options.latencyMs ?? options.responseDelayMs;
    if (latencyMs) {
      await new Promise(resolve => setTimeout(resolve, latencyMs));
    }
    const entry: JenkinsFakeRequest = {
      method: req.method,
      path: req.originalUrl,
      status: 0,
    };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const root = `${req.protocol}://${req.get('host')}${req.baseUrl}/`;

    const notFound = (): void => {
      res
        .status(404)
        .type('text/html')
        .send(
          '<html><head><title>Error 404 Not Found</title></head><body><h2>HTTP ERROR 404 Not Found</h2></body></html>',
        );
    };

    // Authentication: HTTP basic with an API token.
    const header = req.header('authorization') ?? '';
    const basic = /^Basic (.+)$/i.exec(header);
    if (!basic) {
      res
        .status(403)
        .set('X-You-Are-Authenticated-As', 'anonymous')
        .type('text/html')
        .send('<html><body>Authentication required</body></html>');
      return;
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = decoded.slice(0, colon);
    const user = users.find(
      u => u.username === username && u.apiKey === decoded.slice(colon + 1),
    );
    if (colon < 0 || !user) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Basic realm="Jenkins"')
        .type('text/html')
        .send(
          `<html><body>Invalid password/token for user: ${username.replace(
            /[<>&]/g,
            '',
          )}</body></html>`,
        );
      return;
    }
    entry.user = user.username;

    const failureIndex = failures.findIndex(
      f => !f.pathIncludes || req.originalUrl.includes(f.pathIncludes),
    );
    if (failureIndex >= 0) {
      const failure = failures[failureIndex];
      if (--failure.count <= 0) failures.splice(failureIndex, 1);
      if (failure.retryAfterSeconds !== undefined) {
        res.set('Retry-After', String(failure.retryAfterSeconds));
      }
      if (failure.afterHandling) {
        // Let Jenkins act, then replace its status on the way out (headers such as
        // Location are dropped, as a proxy's error page has none of them)
        const writeHead = res.writeHead.bind(res) as (
          ...args: unknown[]
        ) => typeof res;
        res.writeHead = ((..._args: unknown[]) => {
          res.removeHeader('location');
          return writeHead(failure.status);
        }) as typeof res.writeHead;
      } else {
        res
          .status(failure.status)
          .type('text/html')
          .send(`<html><body>HTTP ERROR ${failure.status}</body></html>`);
        return;
      }
    }

    if (req.method === 'POST') {
      if (user.readOnly) {
        res
          .status(403)
          .type('text/html')
          .send(
            `<html><body>${user.username} is missing the Job/Build permission</body></html>`,
          );
        return;
      }
      if (req.header('jenkins-crumb') !== crumbFor(user.username)) {
        res
          .status(403)
          .type('text/html')
          .send(
            '<html><body>No valid crumb was included in the request</body></html>',
          );
        return;
      }
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).send('Method Not Allowed');
      return;
    }

    state.tick();

    let segments: string[];
    try {
      segments = req.path
        .split('/')
        .filter(Boolean)
        .map(s => decodeURIComponent(s));
    } catch {
      res.status(400).send('Bad Request');
      return;
    }
    const tree =
      typeof req.query.tree === 'string'
        ? parseTree(req.query.tree)
        : undefined;
    const sendJson = (value: unknown) =>
      res.json(tree ? applyTree(value, tree) : value);
    const isPost = req.method === 'POST';

    if (segments[0] === 'api' && segments[1] === 'json' && !isPost) {
      sendJson({
        _class: 'hudson.model.Hudson',
        mode: 'NORMAL',
        nodeDescription: 'the Jenkins controller (a Comet fake)',
        useCrumbs: true,
        useSecurity: true,
        jobs: state
          .childrenOf(undefined)
          .map(j => jobJson(j, tree !== undefined, tree !== undefined)),
      });
      return;
    }
    if (segments[0] === 'crumbIssuer' && !isPost) {
      sendJson({
        _class: 'hudson.security.csrf.DefaultCrumbIssuer',
        crumb: crumbFor(user.username),
        crumbRequestField: 'Jenkins-Crumb',
      });
      return;
    }
    if (segments[0] === 'queue' && segments[1] === 'item' && !isPost) {
      const item = state.queue.get(Number(segments[2]));
      if (!item) {
        notFound();
        return;
      }
      const job = state.jobs.get(item.jobFullName)!;
      const task = {
        _class: CLASS_OF_KIND[job.kind],
        name: job.fullName.split('/').pop(),
        url: jobUrl(job.fullName),
      };
      const actions = [
        { _class: 'hudson.model.CauseAction', causes: item.causes },
      ];
      if (item.buildNumber === undefined) {
        const seconds = Math.max(
          1,
          Math.ceil((item.readyAt - state.now()) / 1000),
        );
        sendJson({
          _class: 'hudson.model.Queue$WaitingItem',
          id: item.id,
          actions,
          blocked: false,
          buildable: false,
          inQueueSince: item.enqueuedAt,
          params: item.parameters.map(p => `\n${p.name}=${p.value}`).join(''),
          stuck: false,
          task,
          url: `queue/item/${item.id}/`,
          why: `In the quiet period. Expires in ${seconds} sec`,
          timestamp: item.readyAt,
        });
      } else {
        sendJson({
          _class: 'hudson.model.Queue$LeftItem',
          id: item.id,
          actions,
          blocked: false,
          buildable: false,
          inQueueSince: item.enqueuedAt,
          stuck: false,
          task,
          url: `queue/item/${item.id}/`,
          why: null,
          cancelled: false,
          executable: {
            _class:
              job.kind === 'pipeline'
                ? 'org.jenkinsci.plugins.workflow.job.WorkflowRun'
                : 'hudson.model.FreeStyleBuild',
            number: item.buildNumber,
            url: `${jobUrl(job.fullName)}${item.buildNumber}/`,
          },
        });
      }
      return;
    }

    // job/a/job/b/... then what to do with it
    const names: string[] = [];
    let index = 0;
    while (segments[index] === 'job' && segments[index + 1] !== undefined) {
      names.push(segments[index + 1]);
      index += 2;
    }
    const rest = segments.slice(index);
    const folderName = names.join('/');

    if (rest[0] === 'createItem' && isPost) {
      const parent = folderName ? state.jobs.get(folderName) : undefined;
      if (folderName && (!parent || parent.kind !== 'folder')) {
        notFound();
        return;
      }
      const name = typeof req.query.name === 'string' ? req.query.name : '';
      if (
        !name ||
        /[/\\?#%*:|"<>!@[\]&;]/.test(name) ||
        name === '.' ||
        name === '..'
      ) {
        res
          .status(400)
          .set('X-Error', `"${name}" is not a valid job name`)
          .send('Bad Request');
        return;
      }
      const fullName = folderName ? `${folderName}/${name}` : name;
      if (state.jobs.has(fullName)) {
        res
          .status(400)
          .set('X-Error', `A job already exists with the name '${name}'`)
          .send('Bad Request');
        return;
      }
      const seed =
        typeof req.body === 'string'
          ? seedFromConfigXml(fullName, req.body)
          : undefined;
      if (!seed) {
        res
          .status(500)
          .type('text/html')
          .send(
            '<html><body>Unable to read the job configuration (config.xml)</body></html>',
          );
        return;
      }
      state.addJob(seed);
      res.status(200).end();
      return;
    }

    const job = names.length ? state.jobs.get(folderName) : undefined;
    if (!job) {
      notFound();
      return;
    }

    if (rest.length === 0 || (rest[0] === 'api' && rest[1] === 'json')) {
      if (isPost) {
        notFound();
        return;
      }
      // `depth=1` or more expands nested builds and jobs, as Jenkins does.
      const expand = tree !== undefined || Number(req.query.depth ?? 0) >= 1;
      sendJson(jobJson(job, true, expand));
      return;
    }
    if (rest[0] === 'config.xml' && !isPost) {
      res.type('application/xml').send(job.configXml);
      return;
    }
    if ((rest[0] === 'build' || rest[0] === 'buildWithParameters') && isPost) {
      if (job.kind === 'folder' || job.kind === 'multibranch') {
        res
          .status(405)
          .type('text/html')
          .send('<html><body>This item cannot be built</body></html>');
        return;
      }
      const given: Record<string, unknown> =
        rest[0] === 'buildWithParameters'
          ? { ...req.query, ...(typeof req.body === 'object' ? req.body : {}) }
          : {};
      const parameters: { name: string; value: string | boolean }[] = [];
      for (const definition of job.parameters) {
        const raw = given[definition.name];
        const value = typeof raw === 'string' ? raw : undefined;
        if (definition.type === 'boolean') {
          parameters.push({
            name: definition.name,
            value:
              value === undefined
                ? definition.defaultValue ?? false
                : value === 'true' || value === 'on',
          });
        } else if (definition.type === 'choice') {
          if (value !== undefined && !definition.choices.includes(value)) {
            res
              .status(500)
              .type('text/html')
              .send(
                `<html><body>java.lang.IllegalArgumentException: Illegal choice for parameter ${
                  definition.name
                }: ${value.replace(/[<>&]/g, '')}</body></html>`,
              );
            return;
          }
          parameters.push({
            name: definition.name,
            value: value ?? definition.choices[0] ?? '',
          });
        } else {
          parameters.push({
            name: definition.name,
            value: value ?? definition.defaultValue ?? '',
          });
        }
      }
      const item = state.enqueue(job, parameters, [
        {
          _class: 'hudson.model.Cause$UserIdCause',
          shortDescription: `Started by user ${user.username}`,
          userId: user.username,
          userName: user.username,
        },
      ]);
      res.status(201).set('Location', `${root}queue/item/${item.id}/`).end();
      return;
    }
    if (rest[0] === 'wfapi' && rest[1] === 'runs' && !isPost) {
      if (job.kind !== 'pipeline') {
        notFound();
        return;
      }
      res.json(job.builds.slice(0, 10).map(build => describeRun(job, build)));
      return;
    }

    const build = findBuild(job, rest[0]);
    if (!build) {
      notFound();
      return;
    }
    const buildRest = rest.slice(1);
    const view = state.view(build);

    if (
      buildRest.length === 0 ||
      (buildRest[0] === 'api' && buildRest[1] === 'json')
    ) {
      if (isPost) {
        notFound();
        return;
      }
      sendJson(buildJson(job, build));
      return;
    }
    if (
      buildRest[0] === 'logText' &&
      buildRest[1] === 'progressiveText' &&
      !isPost
    ) {
      const text = Buffer.from(view.log, 'utf8');
      const start = Math.max(0, Number(req.query.start ?? 0) || 0);
      res.set('X-Text-Size', String(text.length));
      if (view.building) res.set('X-More-Data', 'true');
      res
        .type('text/plain; charset=utf-8')
        .send(start >= text.length ? '' : text.subarray(start));
      return;
    }
    if (buildRest[0] === 'consoleText' && !isPost) {
      res.type('text/plain; charset=utf-8').send(view.log);
      return;
    }
    if (buildRest[0] === 'testReport' && !isPost) {
      if (!build.tests || view.building) {
        notFound();
        return;
      }
      const { total, failed, skipped } = build.tests;
      sendJson({
        _class: 'hudson.tasks.junit.TestResult',
        duration: 12.5,
        empty: false,
        failCount: failed,
        passCount: total - failed - skipped,
        skipCount: skipped,
        suites: [
          {
            name: 'unit',
            duration: 12.5,
            cases: Array.from({ length: total }, (_, i) => ({
              className: 'unit',
              name: `test case ${i + 1}`,
              duration: 0.1,
              status: testCaseStatus(i, failed, skipped),
              errorDetails: i < failed ? 'expected 200, got 500' : null,
            })),
          },
        ],
      });
      return;
    }
    if (buildRest[0] === 'wfapi' && buildRest[1] === 'describe' && !isPost) {
      if (job.kind !== 'pipeline') {
        notFound();
        return;
      }
      res.json(describeRun(job, build));
      return;
    }
    if (buildRest[0] === 'stop' && isPost) {
      if (view.building) {
        build.abortedAt = state.now();
        build.abortedBy = user.username;
      }
      res
        .status(302)
        .set('Location', `${root}${jobUrl(job.fullName)}${build.number}/`)
        .end();
      return;
    }
    if (buildRest[0] === 'artifact' && !isPost) {
      const relativePath = buildRest.slice(1).join('/');
      if (!build.artifacts.includes(relativePath)) {
        notFound();
        return;
      }
      res
        .type('application/octet-stream')
        .send(`artifact ${relativePath} of ${job.fullName} #${build.number}\n`);
      return;
    }
    notFound();

    function jobUrl(fullName: string) {
      return `job/${fullName
        .split('/')
        .map(encodeURIComponent)
        .join('/job/')}/`;
    }

    function findBuild(of: JenkinsFakeJob, id: string | undefined) {
      if (id === undefined) return undefined;
      const done = of.builds.filter(b => !state.view(b).building);
      switch (id) {
        case 'lastBuild':
          return of.builds[0];
        case 'lastCompletedBuild':
          return done[0];
        case 'lastSuccessfulBuild':
          return done.find(b => state.view(b).result === 'SUCCESS');
        case 'lastFailedBuild':
          return done.find(b => state.view(b).result === 'FAILURE');
        default:
          return /^\d+$/.test(id)
            ? of.builds.find(b => b.number === Number(id))
            : undefined;
      }
    }

    function buildJson(of: JenkinsFakeJob, b: JenkinsFakeBuild) {
      const v = state.view(b);
      const parent = state.parentOf(of.fullName);
      const items = b.commits.map(c => ({
        _class: 'hudson.plugins.git.GitChangeSet',
        commitId: c.sha,
        msg: c.message,
        timestamp: c.timestamp,
        author: {
          fullName: c.author,
          absoluteUrl: `${root}user/${encodeURIComponent(c.author)}`,
        },
        affectedPaths: ['src/index.js'],
      }));
      const changeSet = {
        _class: 'hudson.plugins.git.GitChangeSetList',
        kind: 'git',
        items,
      };
      const actions: unknown[] = [
        { _class: 'hudson.model.CauseAction', causes: b.causes },
      ];
      if (b.parameters.length) {
        actions.push({
          _class: 'hudson.model.ParametersAction',
          parameters: b.parameters.map(p => ({
            _class:
              typeof p.value === 'boolean'
                ? 'hudson.model.BooleanParameterValue'
                : 'hudson.model.StringParameterValue',
            name: p.name,
            value: p.value,
          })),
        });
      }
      actions.push({
        _class: 'hudson.plugins.git.util.BuildData',
        lastBuiltRevision: {
          SHA1: b.commits[0].sha,
          branch: [
            {
              SHA1: b.commits[0].sha,
              name:
                parent?.kind === 'multibranch'
                  ? b.branch
                  : `refs/remotes/origin/${b.branch}`,
            },
          ],
        },
        remoteUrls: [
          `https://git.example.com/${of.fullName.split('/')[0]}.git`,
        ],
        scmName: '',
      });
      if (b.tests && !v.building) {
        actions.push({
          _class: 'hudson.tasks.junit.TestResultAction',
          failCount: b.tests.failed,
          skipCount: b.tests.skipped,
          totalCount: b.tests.total,
          urlName: 'testReport',
        });
      }
      actions.push({});
      return {
        _class:
          of.kind === 'pipeline'
            ? 'org.jenkinsci.plugins.workflow.job.WorkflowRun'
            : 'hudson.model.FreeStyleBuild',
        actions,
        artifacts: v.building
          ? []
          : b.artifacts.map(a => ({
              displayPath: a.split('/').pop(),
              fileName: a.split('/').pop(),
              relativePath: a,
            })),
        building: v.building,
        description: null,
        displayName: `#${b.number}`,
        duration: v.durationMs,
        estimatedDuration: b.plannedDurationMs,
        fullDisplayName: `${of.fullName.split('/').join(' » ')} #${b.number}`,
        id: String(b.number),
        number: b.number,
        queueId: b.queueId,
        result: v.result,
        timestamp: b.startedAt,
        url: `${root}${jobUrl(of.fullName)}${b.number}/`,
        ...(of.kind === 'pipeline'
          ? { changeSets: [changeSet], inProgress: v.building }
          : { changeSet, builtOn: '' }),
      };
    }

    function describeRun(of: JenkinsFakeJob, b: JenkinsFakeBuild) {
      const v = state.view(b);
      const failedStage = b.plannedResult === 'FAILURE' ? 2 : -1;
      const stages = STAGES.map((name, i) => {
        const from = i / STAGES.length;
        const to = (i + 1) / STAGES.length;
        const startTimeMillis =
          b.startedAt + Math.round(from * b.plannedDurationMs);
        let status: string;
        if (b.abortedAt !== undefined && v.progress < to)
          status = v.progress >= from ? 'ABORTED' : 'NOT_EXECUTED';
        else if (v.building && v.progress < to)
          status = v.progress >= from ? 'IN_PROGRESS' : 'NOT_EXECUTED';
        else if (failedStage >= 0 && i > failedStage) status = 'NOT_EXECUTED';
        else if (i === failedStage) status = 'FAILED';
        else if (i === 2 && b.plannedResult === 'UNSTABLE') status = 'UNSTABLE';
        else status = 'SUCCESS';
        return {
          _links: {
            self: {
              href: `/${jobUrl(of.fullName)}${b.number}/execution/node/${
                i + 5
              }/wfapi/describe`,
            },
          },
          id: String(i + 5),
          name,
          execNode: '',
          status,
          startTimeMillis,
          durationMillis:
            status === 'NOT_EXECUTED'
              ? 0
              : Math.round(b.plannedDurationMs / STAGES.length),
          pauseDurationMillis: 0,
        };
      });
      let status: 'IN_PROGRESS' | 'FAILED' | typeof v.result;
      if (v.building) {
        status = 'IN_PROGRESS';
      } else if (v.result === 'FAILURE') {
        status = 'FAILED';
      } else {
        status = v.result;
      }
      return {
        _links: {
          self: { href: `/${jobUrl(of.fullName)}${b.number}/wfapi/describe` },
        },
        id: String(b.number),
        name: `#${b.number}`,
        status,
        startTimeMillis: b.startedAt,
        endTimeMillis: b.startedAt + v.durationMs,
        durationMillis: v.durationMs,
        queueDurationMillis: 0,
        pauseDurationMillis: 0,
        stages,
      };
    }

    // Without `tree`, Jenkins lists nested jobs and builds as short references.
    function jobJson(
      of: JenkinsFakeJob,
      full: boolean,
      nestedFull: boolean,
    ): Record<string, unknown> {
      const name = of.fullName.split('/').pop()!;
      const url = `${root}${jobUrl(of.fullName)}`;
      if (!full) {
        return {
          _class: CLASS_OF_KIND[of.kind],
          name,
          url,
          color: colorOf(of),
        };
      }
      const container = of.kind === 'folder' || of.kind === 'multibranch';
      const base: Record<string, unknown> = {
        _class: CLASS_OF_KIND[of.kind],
        actions: [{}],
        description: of.description || null,
        displayName: name,
        fullDisplayName: of.fullName.split('/').join(' » '),
        fullName: of.fullName,
        name,
        url,
        healthReport: [],
      };
      if (container) {
        return {
          ...base,
          jobs: state
            .childrenOf(of.fullName)
            .map(child => jobJson(child, nestedFull, nestedFull)),
          primaryView: { name: 'All' },
        };
      }
      const inQueue = [...state.queue.values()].some(
        i => i.jobFullName === of.fullName && i.buildNumber === undefined,
      );
      const property = of.parameters.length
        ? [
            {
              _class: 'hudson.model.ParametersDefinitionProperty',
              parameterDefinitions: of.parameters.map(p => ({
                _class: PARAMETER_CLASS[p.type],
                defaultParameterValue: {
                  _class:
                    p.type === 'boolean'
                      ? 'hudson.model.BooleanParameterValue'
                      : 'hudson.model.StringParameterValue',
                  name: p.name,
                  value: defaultValueInJson(p),
                },
                description: p.description ?? '',
                name: p.name,
                type: PARAMETER_CLASS[p.type].split('.').pop(),
                ...(p.type === 'choice' ? { choices: p.choices } : {}),
              })),
            },
          ]
        : [];
      const last = of.builds[0];
      const ref = (b: JenkinsFakeBuild | undefined) =>
        b
          ? {
              _class: 'hudson.model.Run',
              number: b.number,
              url: `${url}${b.number}/`,
            }
          : null;
      return {
        ...base,
        buildable: true,
        builds: nestedFull
          ? of.builds.map(b => buildJson(of, b))
          : of.builds.map(ref),
        color: colorOf(of),
        firstBuild: ref(of.builds[of.builds.length - 1]),
        inQueue,
        keepDependencies: false,
        lastBuild: ref(last),
        lastCompletedBuild: ref(of.builds.find(b => !state.view(b).building)),
        nextBuildNumber: of.nextBuildNumber,
        property,
        concurrentBuild: false,
      };
    }

    function colorOf(of: JenkinsFakeJob) {
      if (of.kind === 'folder' || of.kind === 'multibranch') return undefined;
      const last = of.builds[0];
      if (!last) return 'notbuilt';
      const v = state.view(last);
      const base = v.result === null ? 'blue' : COLOR_OF_RESULT[v.result];
      return v.building ? `${base}_anime` : base;
    }
  });

  return router;
}
