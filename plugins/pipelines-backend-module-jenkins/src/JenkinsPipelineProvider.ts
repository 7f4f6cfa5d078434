import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  instanceNamedBy,
  JENKINS_ANNOTATION,
  JenkinsJobRef,
  parseJenkinsAnnotation,
  splitJenkinsJobRef,
  stringifyJenkinsJobRef,
  JenkinsBuildStatus,
  JenkinsBuildSummary,
  JenkinsEntityBuildsResponse,
} from '@internal/plugin-jenkins-common';
import type {
  PipelineRun,
  PipelineRunStatus,
  PipelineTriggerType,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineProvider,
  PipelineProviderEntity,
  PipelineProviderListRunsOptions,
  PipelineProviderRunPage,
  PipelineProviderSourceError,
} from '@internal/plugin-pipelines-node';

const STATUS: Record<JenkinsBuildStatus, PipelineRunStatus> = {
  queued: 'queued',
  running: 'running',
  success: 'succeeded',
  // Unstable builds finished but with failing tests: a failure in a CI list.
  unstable: 'failed',
  failure: 'failed',
  aborted: 'cancelled',
  not_built: 'skipped',
};

function triggerTypeOf(build: JenkinsBuildSummary): PipelineTriggerType {
  switch (build.causes[0]?.kind) {
    case 'scm':
      return 'push';
    case 'timer':
      return 'schedule';
    case 'replay':
      return 'rerun';
    default:
      return /^PR-\d+$/.test(build.branch ?? '') ? 'pull_request' : 'manual';
  }
}

function triggerOf(build: JenkinsBuildSummary): PipelineRun['trigger'] {
  const cause = build.causes[0];
  return {
    type: triggerTypeOf(build),
    actor: cause?.userId ? `jenkins:${cause.userId}` : undefined,
  };
}

function errorOf(build: JenkinsBuildSummary): string | undefined {
  if (build.status === 'unstable') {
    return `Unstable${
      build.tests ? `: ${build.tests.failed} failed tests` : ''
    }`;
  }
  return build.status === 'failure' ? 'Jenkins build failed' : undefined;
}

/** The pipeline name runs of a job get: the job's full name on the default instance. */
function pipelineNameOf(jobRef: string): string {
  return jobRef.startsWith('default:')
    ? jobRef.slice('default:'.length)
    : jobRef;
}

/** Maps a Jenkins build to the provider-neutral run of the unified CI/CD view. */
export function toPipelineRun(
  build: JenkinsBuildSummary,
  entityRef: string,
): PipelineRun {
  const finishedAt =
    !build.building && build.durationMs !== undefined
      ? new Date(Date.parse(build.startedAt) + build.durationMs).toISOString()
      : undefined;
  const status = STATUS[build.status];
  const params: PipelineRun['params'] = {};
  for (const [name, value] of Object.entries(build.parameters)) {
    params[name] = value;
  }
  return {
    provider: 'jenkins',
    runId: `jenkins:${build.jobRef}#${build.number}`,
    entityRef,
    pipeline: pipelineNameOf(build.jobRef),
    number: build.number,
    status,
    trigger: triggerOf(build),
    branch: build.branch,
    commit: build.commit
      ? { sha: build.commit.sha, message: build.commit.message }
      : undefined,
    params,
    createdAt: build.startedAt,
    startedAt: build.startedAt,
    finishedAt,
    durationMs: build.building ? undefined : build.durationMs,
    error: errorOf(build),
    links: [{ title: 'Open in Jenkins', url: build.url }],
    jobs: [],
  };
}

/**
 * How a job shows up in the CI/CD list's warnings, from its `instance:folder/job` ref:
 * `Jenkins job folder/payments-build (instance default)`.
 */
export function jenkinsJobSourceOf(jobRef: string): string {
  const colon = jobRef.indexOf(':');
  if (colon <= 0) return `Jenkins job ${jobRef}`;
  return `Jenkins job ${jobRef.slice(colon + 1)} (instance ${jobRef.slice(
    0,
    colon,
  )})`;
}

/**
 * A message without credentials: the token this provider sent, user info in URLs,
 * `Bearer`/`Basic` authorization values and token-like query parameters are masked.
 */
function redact(message: string, secrets: string[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret) text = text.split(secret).join('***');
  }
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
    .replace(
      /([?&](?:token|api[_-]?key|access_token|password|secret)=)[^&\s]+/gi,
      '$1***',
    );
}

/**
 * Jenkins builds of the jobs in an entity's `jenkins.io/job-full-name`, for the unified
 * CI/CD list. Reaches Jenkins through the jenkins backend's REST API (on behalf of the
 * caller, so its permissions apply), never by importing its internals.
 */
export class JenkinsPipelineProvider implements PipelineProvider {
  readonly id = 'jenkins';
  readonly title = 'Jenkins';

  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
    },
  ) {}

  appliesTo(entity: PipelineProviderEntity): boolean {
    return !!entity.annotations[JENKINS_ANNOTATION];
  }

  /**
   * Builds of every annotated job, newest first. A job that cannot be read (unknown job,
   * rejected credentials, instance down) is reported in `errors` while the other jobs' builds
   * are listed; only when no annotated job can be read does this throw, so the whole provider
   * is reported as failed.
   */
  async listRuns(
    options: PipelineProviderListRunsOptions,
  ): Promise<PipelineProviderRunPage> {
    const { discovery, auth } = this.options;
    const baseUrl = await discovery.getBaseUrl('jenkins');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: options.credentials,
      targetPluginId: 'jenkins',
    });
    const query = new URLSearchParams({
      entityRef: options.entity.entityRef,
      limit: String(options.limit),
    });
    if (options.cursor) query.set('cursor', options.cursor);
    const response = await fetch(`${baseUrl}/entity-builds?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const page = (await response.json()) as JenkinsEntityBuildsResponse;
    let builds = page.builds;
    if (options.branch)
      builds = builds.filter(b => b.branch === options.branch);
    let runs = builds.map(b => toPipelineRun(b, options.entity.entityRef));
    if (options.status) runs = runs.filter(r => r.status === options.status);
    if (options.pipeline) {
      runs = runs.filter(r => r.pipeline === options.pipeline);
    }

    const problems = (page.errors ?? []).map(e => ({
      jobRef: e.jobRef,
      source: jenkinsJobSourceOf(e.jobRef),
      message: redact(e.message, [token]),
    }));
    if (problems.length > 0) {
      const failed = new Set(problems.map(p => p.jobRef));
      const parsed = parseJenkinsAnnotation(
        options.entity.annotations[JENKINS_ANNOTATION],
      );
      // An entry without an instance is reported under the instance it resolved to
      const failedJob = (job: JenkinsJobRef) =>
        instanceNamedBy(job) === undefined
          ? [...failed].some(
              ref => splitJenkinsJobRef(ref).jobFullName === job.jobFullName,
            )
          : failed.has(stringifyJenkinsJobRef(job));
      const allFailed = parsed.ok
        ? parsed.jobs.every(failedJob)
        : page.builds.length === 0;
      if (allFailed) {
        throw new Error(
          problems
            .map(p => `${p.source} could not be loaded: ${p.message}`)
            .join('; '),
        );
      }
    }
    // With a pipeline filter, only problems of that pipeline's job matter.
    const errors: PipelineProviderSourceError[] = problems
      .filter(p => {
        if (!options.pipeline) return true;
        const name = pipelineNameOf(p.jobRef);
        return (
          options.pipeline === name || options.pipeline.startsWith(`${name}/`)
        );
      })
      .map(({ source, message }) => ({ source, message }));
    return {
      runs,
      nextCursor: page.nextCursor,
      ...(errors.length > 0 ? { errors } : {}),
    };
  }
}
