import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { ResourceScopes } from '@internal/backend-common';
import {
  ANNOTATION_JIRA_BUG_ON_FAILURE,
  jqlString,
} from '@internal/plugin-jira-common';
import {
  entityJiraProjects,
  JiraError,
  type EntityJiraProject,
  type JiraClient,
  type JiraInstanceConfig,
} from '@internal/plugin-jira-node';
import type {
  PipelineRunEvent,
  PipelineRunEventContext,
  PipelineRunEventListener,
  PipelineRunFailure,
} from '@internal/plugin-pipelines-node';
import {
  bugDescription,
  bugSummary,
  failedMarker,
  failureSignature,
  greenMarker,
  lastMarker,
  LOG_EXCERPT_LINES,
  maskLogLine,
  pipelineLabel,
  signatureLabel,
  type FailedRunInfo,
} from './failureBugs';
import { issueKeysIn } from './issueKeys';

/** The configured Jira instances, as `jiraClientServiceRef` gives them. */
export type JiraInstancesLike = {
  isConfigured(): boolean;
  list(): JiraInstanceConfig[];
  client(name: string): JiraClient;
};

/** An issue a run named, as far as Jira confirmed it. */
type LinkedIssue = {
  instance: string;
  key: string;
  summary: string;
  url: string;
};

const ISSUE_CACHE_MS = 5 * 60_000;
const ISSUE_CACHE_SIZE = 2000;
/** Issues linked per run at most (a commit message quoting a changelog names many). */
const MAX_LINKED_ISSUES = 20;

/**
 * Which pipelines file bugs when they fail: `comet.dev/jira-bug-on-failure` is `true` (all),
 * `false` or absent (none), or a comma-separated list of pipeline names.
 */
export function bugPipelines(entity: Entity): 'all' | string[] {
  const value =
    entity.metadata.annotations?.[ANNOTATION_JIRA_BUG_ON_FAILURE]?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'false') return [];
  if (value.toLowerCase() === 'true') return 'all';
  return value
    .split(',')
    .map(name => name.trim())
    .filter(Boolean);
}

/**
 * Ties Comet pipeline runs and Jira issues together, as the pipelines plugin's run-event
 * listener `jira.traceability`:
 *
 * - Issue keys of the entity's own Jira projects (`jira/project-key`, within the owner's
 *   `comet.resourceScopes`) found in the run's branch, commit messages or pull request title
 *   become links on the run, and are reported to the Jira backend, whose tab shows the latest
 *   run of each issue.
 * - With `comet.dev/jira-bug-on-failure`, a failed run files one bug per failure signature in
 *   the entity's first project (a bug still open for that signature gets a comment instead),
 *   and a later green run of the same pipeline comments on its open bugs.
 *
 * Jira is called with the instance's own credentials: the actor is Comet, not a user.
 */
export class JiraTraceabilityListener implements PipelineRunEventListener {
  readonly id = 'jira.traceability';
  private readonly issues = new Map<
    string,
    { at: number; issue: LinkedIssue | undefined }
  >();
  private jiraBackendMissing = false;

  static create(options: {
    instances: JiraInstancesLike;
    catalog: CatalogService;
    auth: AuthService;
    discovery: DiscoveryService;
    logger: LoggerService;
    scopes?: ResourceScopes;
    /** `app.baseUrl`: run pages are `<appBaseUrl>/pipelines/runs/<runId>`. */
    appBaseUrl: string;
    now?: () => number;
  }) {
    return new JiraTraceabilityListener(options);
  }

  private constructor(
    private readonly options: {
      instances: JiraInstancesLike;
      catalog: CatalogService;
      auth: AuthService;
      discovery: DiscoveryService;
      logger: LoggerService;
      scopes?: ResourceScopes;
      appBaseUrl: string;
      now?: () => number;
    },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  runPath(runId: string) {
    return `/pipelines/runs/${encodeURIComponent(runId)}`;
  }

  runUrl(runId: string) {
    return `${this.options.appBaseUrl.replace(/\/+$/, '')}${this.runPath(
      runId,
    )}`;
  }

  async onEvent(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
  ): Promise<void> {
    if (!event.type.startsWith('run.')) return;
    if (!this.options.instances.isConfigured()) return;
    const entity = await this.options.catalog.getEntityByRef(event.entityRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    if (!entity) return;
    let projects: EntityJiraProject[];
    try {
      ({ projects } = entityJiraProjects(entity, {
        instances: this.options.instances,
        scopes: this.options.scopes,
      }));
    } catch (error) {
      // No annotation: nothing to link. A malformed one is the Jira tab's to report.
      if ((error as Error).name !== 'NotFoundError') {
        this.options.logger.debug(
          `Run ${event.runId}: ${(error as Error).message}`,
        );
      }
      return;
    }
    if (projects.length === 0) return;

    await this.link(event, context, projects);

    const wanted = bugPipelines(entity);
    if (wanted !== 'all' && !wanted.includes(event.pipeline)) return;
    if (event.type === 'run.failed') {
      await this.fileBugs(event, context, projects[0]);
    } else if (event.type === 'run.succeeded') {
      await this.commentGreen(event, projects);
    }
  }

  /** Links the issues the run names, on the run and in the Jira backend. */
  private async link(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    projects: EntityJiraProject[],
  ) {
    const keys = issueKeysIn(
      [event.branch, event.trigger.pullRequest?.title, event.commit?.message],
      projects.map(p => p.projectKey),
    ).slice(0, MAX_LINKED_ISSUES);
    if (keys.length === 0) return;
    const issues: LinkedIssue[] = [];
    for (const key of keys) {
      const project = projects.find(p => key.startsWith(`${p.projectKey}-`))!;
      const issue = await this.issue(project.instance, key);
      if (issue) issues.push(issue);
    }
    if (issues.length === 0) return;
    await context.addRunLinks(
      issues.map(issue => ({
        title: `${issue.key}: ${issue.summary}`.slice(0, 200),
        url: issue.url,
      })),
    );
    await this.report(event, issues);
  }

  /** The issue, or undefined when Jira says it does not exist; cached for a few minutes. */
  private async issue(
    instance: string,
    key: string,
  ): Promise<LinkedIssue | undefined> {
    const cacheKey = `${instance}\n${key}`;
    const cached = this.issues.get(cacheKey);
    if (cached && this.now() - cached.at < ISSUE_CACHE_MS) return cached.issue;
    let issue: LinkedIssue | undefined;
    try {
      const found = await this.options.instances
        .client(instance)
        .getIssue(key, { comments: 0 });
      issue = { instance, key, summary: found.summary, url: found.url };
    } catch (error) {
      // A key of the project that does not exist (or that Comet's account may not see)
      if (!(error instanceof JiraError) || error.kind !== 'notFound') {
        throw error;
      }
    }
    this.issues.delete(cacheKey);
    this.issues.set(cacheKey, { at: this.now(), issue });
    if (this.issues.size > ISSUE_CACHE_SIZE) {
      this.issues.delete(this.issues.keys().next().value!);
    }
    return issue;
  }

  /** Tells the Jira backend which issues this run names, with the run's status. */
  private async report(event: PipelineRunEvent, issues: LinkedIssue[]) {
    if (this.jiraBackendMissing) return;
    const { auth, discovery } = this.options;
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'jira',
    });
    const response = await fetch(
      `${await discovery.getBaseUrl('jira')}/run-links`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          entityRef: event.entityRef,
          runId: event.runId,
          pipeline: event.pipeline,
          runNumber: event.runNumber,
          status: event.status,
          path: this.runPath(event.runId),
          createdAt: event.createdAt,
          updatedAt: event.occurredAt,
          issues: issues.map(({ instance, key }) => ({ instance, key })),
        }),
      },
    );
    if (response.status === 404) {
      // The Jira backend plugin is not installed: the run page still lists the issues
      this.jiraBackendMissing = true;
      this.options.logger.warn(
        'The Jira backend plugin does not answer /api/jira/run-links; the Jira tab will not show linked runs',
      );
      return;
    }
    if (!response.ok) {
      throw new Error(
        `The Jira backend refused the run links of run ${event.runId}: ${
          response.status
        } ${(await response.text()).slice(0, 300)}`,
      );
    }
  }

  private runInfo(event: PipelineRunEvent): FailedRunInfo {
    return {
      entityRef: event.entityRef,
      pipeline: event.pipeline,
      runId: event.runId,
      runNumber: event.runNumber,
      runUrl: this.runUrl(event.runId),
      branch: event.branch,
      commitSha: event.commit?.sha,
    };
  }

  /** One bug per failure signature, or a comment on the bug still open for it. */
  private async fileBugs(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    project: EntityJiraProject,
  ) {
    const failures = await context.failures({ logLines: LOG_EXCERPT_LINES });
    const client = this.options.instances.client(project.instance);
    const run = this.runInfo(event);
    const done = new Set<string>();
    for (const failure of failures) {
      const signature = failureSignature({
        entityRef: event.entityRef,
        pipeline: event.pipeline,
        failure,
      });
      if (done.has(signature)) continue;
      done.add(signature);
      const open = await client.search({
        jql: `project = ${jqlString(
          project.projectKey,
        )} AND labels = ${jqlString(
          signatureLabel(signature),
        )} AND statusCategory != Done ORDER BY created DESC`,
        maxResults: 1,
        fields: ['summary', 'status'],
      });
      const existing = open.issues[0];
      try {
        if (existing) {
          await this.commentFailedAgain(client, existing.key, run, failure);
        } else {
          const created = await client.createIssue(project.projectKey, {
            issueType: 'Bug',
            summary: bugSummary(run, failure),
            description: bugDescription(run, failure),
            labels: [
              'comet',
              signatureLabel(signature),
              pipelineLabel(event.entityRef, event.pipeline),
            ],
          });
          this.options.logger.info(
            `Filed ${created.key} for run ${event.runId} of ${event.entityRef} (${event.pipeline}): ${failure.jobName} failed`,
          );
        }
      } catch (error) {
        // What Jira refuses (no Bug type, a required field) does not get better by retrying
        if (error instanceof JiraError && error.kind === 'badRequest') {
          this.options.logger.warn(
            `Cannot file a Jira bug in ${project.projectKey} for run ${event.runId} of ${event.entityRef}: ${error.message}`,
          );
          continue;
        }
        throw error;
      }
    }
  }

  private async commentFailedAgain(
    client: JiraClient,
    key: string,
    run: FailedRunInfo,
    failure: PipelineRunFailure,
  ) {
    const detail = await client.getIssue(key, { comments: 50 });
    const texts = [
      detail.descriptionMarkdown,
      ...detail.comments.map(c => c.bodyMarkdown),
    ];
    // A redelivered event: this run was reported already
    if (texts.some(text => text.includes(failedMarker(run.runId)))) return;
    const where = failure.stepName
      ? `${failure.jobName} › ${failure.stepName}`
      : failure.jobName;
    await client.addComment(
      key,
      [
        `Failed again in Comet run [${run.pipeline} #${run.runNumber}](${
          run.runUrl
        }) at ${where}${
          failure.error ? `: ${maskLogLine(failure.error)}` : ''
        }.`,
        '',
        failedMarker(run.runId),
      ].join('\n'),
    );
  }

  /** A green run of the pipeline comments once on each of its open bugs. */
  private async commentGreen(
    event: PipelineRunEvent,
    projects: EntityJiraProject[],
  ) {
    const run = this.runInfo(event);
    const byInstance = new Map<string, string[]>();
    for (const p of projects) {
      byInstance.set(p.instance, [
        ...(byInstance.get(p.instance) ?? []),
        p.projectKey,
      ]);
    }
    for (const [instance, keys] of byInstance) {
      const client = this.options.instances.client(instance);
      const open = await client.search({
        jql: `project in (${keys
          .map(jqlString)
          .join(', ')}) AND labels = ${jqlString(
          pipelineLabel(event.entityRef, event.pipeline),
        )} AND statusCategory != Done ORDER BY created DESC`,
        maxResults: 20,
        fields: ['summary', 'status'],
      });
      for (const bug of open.issues) {
        const detail = await client.getIssue(bug.key, { comments: 50 });
        const last = lastMarker([
          detail.descriptionMarkdown,
          ...detail.comments.map(c => c.bodyMarkdown),
        ]);
        // Said already since it last failed (or this very event, redelivered)
        if (last?.kind === 'green') continue;
        await client.addComment(
          bug.key,
          [
            `Pipeline **${event.pipeline}** of ${
              event.entityRef
            } is green again: Comet run [#${event.runNumber}](${run.runUrl})${
              event.commit ? ` at ${event.commit.sha.slice(0, 12)}` : ''
            }. Close this bug if that fixed it.`,
            '',
            greenMarker(event.runId),
          ].join('\n'),
        );
      }
    }
  }
}
