import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  gitHubRepositoryOf,
  type GitHubPullRequestSummary,
  type GitHubRepositoryRef,
} from '@internal/plugin-github-common';
import type {
  GitHubCheckRunInput,
  GitHubClient,
} from '@internal/plugin-github-node';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';
import type {
  PipelineRunEvent,
  PipelineRunEventContext,
  PipelineRunEventListener,
} from '@internal/plugin-pipelines-node';
import {
  commentMarker,
  commentReports,
  mergeCommentRun,
  parseCommentState,
  renderComment,
} from './pullRequestComment';

/** What the listener needs of `gitHubClientFactoryServiceRef`. */
export type GitHubClientFactoryLike = {
  isConfigured(): boolean;
  forRepository(repository: GitHubRepositoryRef): GitHubClient;
};

/** How a commit's result is reported: a check run (GitHub App) or a commit status (token). */
type ReportMode = 'checks' | 'statuses';

/** How long a repository owner that refused check runs gets commit statuses without trying. */
const MODE_MEMORY_MS = 60 * 60_000;
/** Runs and owners remembered at most (oldest forgotten first). */
const MEMORY_SIZE = 5000;

const STATUS_WORDS: Record<PipelineRunStatus, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting for approval',
  succeeded: 'passed',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

function remember<K, V>(map: Map<K, V>, key: K, value: V) {
  map.delete(key);
  map.set(key, value);
  if (map.size > MEMORY_SIZE) map.delete(map.keys().next().value as K);
}

/** What GitHub refused for good: retrying the event would not help. */
function isPermanent(error: unknown) {
  return [NotAllowedError.name, NotFoundError.name, InputError.name].includes(
    (error as Error)?.name,
  );
}

function isNamed(error: unknown, name: string) {
  return (error as Error)?.name === name;
}

/**
 * Reports Comet pipeline runs to GitHub, as the pipelines plugin's run-event listener
 * `github.run-reporter`, for entities with `github.com/project-slug` and runs of a commit:
 *
 * - the commit gets `comet/<pipeline>`: a check run when Comet's credential for the repository
 *   is a GitHub App installation, else a commit status (GitHub lets only Apps create check
 *   runs: the first 403 of an owner switches it to statuses for an hour). Both link the run page.
 * - every open pull request whose head is that commit (the run's own pull request, or those of
 *   the run's branch) gets one comment per entity, found again by a hidden marker and edited in
 *   place, listing the latest run of each pipeline for the commit with what its steps reported
 *   (the SonarQube gate, test results: `context.reports()`). The listed runs and their reports
 *   are kept in the comment itself, so any replica can update it after a restart.
 *
 * Delivery is at least once: redelivered events write nothing new (statuses and check runs are
 * set to the same values, the comment is only written when its text changes), and an event
 * older than one already applied to the run is skipped. What GitHub cannot do now (rate limits,
 * outages) throws, so the outbox delivers the event again with bounded backoff; what it refuses
 * for good (permissions, a repository it does not show, a commit it does not know) is logged
 * and linked on the run page instead. Tokens never reach logs or links: GitHubClient's errors
 * are scrubbed.
 */
export class GitHubRunReporter implements PipelineRunEventListener {
  readonly id = 'github.run-reporter';
  /** Per run: the `occurredAt` of the latest event applied, to skip late ones. */
  private readonly applied = new Map<string, number>();
  /** Per run: its check run's id. */
  private readonly checkRuns = new Map<string, number>();
  /** Per `host/owner`: statuses until then, after check runs were refused. */
  private readonly statusesUntil = new Map<string, number>();

  static create(options: {
    gitHub: GitHubClientFactoryLike;
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    /** `app.baseUrl`: run pages are `<appBaseUrl>/pipelines/runs/<runId>`. */
    appBaseUrl: string;
    now?: () => number;
  }) {
    return new GitHubRunReporter(options);
  }

  private constructor(
    private readonly options: {
      gitHub: GitHubClientFactoryLike;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      appBaseUrl: string;
      now?: () => number;
    },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  runUrl(runId: string) {
    return `${this.options.appBaseUrl.replace(
      /\/+$/,
      '',
    )}/pipelines/runs/${encodeURIComponent(runId)}`;
  }

  /** The check run's or status's name: `comet/<pipeline>`. */
  checkName(pipeline: string) {
    return `comet/${pipeline}`;
  }

  async onEvent(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
  ): Promise<void> {
    if (!event.type.startsWith('run.')) return;
    const sha = event.commit?.sha;
    if (!sha || !this.options.gitHub.isConfigured()) return;
    const occurredAt = Date.parse(event.occurredAt);
    if (occurredAt < (this.applied.get(event.runId) ?? -Infinity)) return;

    const entity = await this.options.catalog.getEntityByRef(event.entityRef, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    const repository = entity && this.repositoryOf(entity, event);
    if (!repository) return;
    let client: GitHubClient;
    try {
      client = this.options.gitHub.forRepository(repository);
    } catch (error) {
      // No integrations.github entry for the entity's host
      await this.refused(event, context, repository, 'commit', error);
      return;
    }

    try {
      await this.reportCommit(client, event, context, sha);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      await this.refused(event, context, repository, 'commit', error);
    }
    try {
      await this.reportPullRequests(client, event, context, sha);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      await this.refused(event, context, repository, 'pull request', error);
    }
    remember(this.applied, event.runId, occurredAt);
  }

  private repositoryOf(entity: Entity, event: PipelineRunEvent) {
    try {
      return gitHubRepositoryOf(entity);
    } catch (error) {
      // A malformed slug is the GitHub tab's to report; nothing to do here
      this.options.logger.debug(
        `Run ${event.runId} of ${event.entityRef}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** Logs what GitHub refused for good and says so on the run page. */
  private async refused(
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    repository: GitHubRepositoryRef,
    what: 'commit' | 'pull request',
    error: unknown,
  ) {
    const slug = `${repository.owner}/${repository.repo}`;
    this.options.logger.warn(
      `Cannot report run ${event.runId} of ${event.entityRef} (${
        event.pipeline
      }) to the ${what} on GitHub ${repository.host}/${slug}: ${
        (error as Error).message
      }`,
    );
    let reason = 'GitHub refused it';
    if (isNamed(error, NotAllowedError.name)) {
      reason = "Comet's GitHub credentials may not write there";
    } else if (isNamed(error, NotFoundError.name)) {
      reason = 'the repository is not visible to Comet';
    }
    // Where people would have seen it (a link per URL: the two must differ)
    const url =
      what === 'commit'
        ? `https://${repository.host}/${slug}/commit/${event.commit!.sha}`
        : `https://${repository.host}/${slug}/pulls`;
    await context.addRunLinks([
      {
        title: `Not reported to the GitHub ${what}: ${reason} (see the portal's log)`,
        url,
      },
    ]);
  }

  // The commit: a check run or a commit status

  private async reportCommit(
    client: GitHubClient,
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    sha: string,
  ) {
    const ownerKey =
      `${client.repository.host}/${client.repository.owner}`.toLowerCase();
    const statusesUntil = this.statusesUntil.get(ownerKey) ?? 0;
    let mode: ReportMode = statusesUntil > this.now() ? 'statuses' : 'checks';
    if (mode === 'checks') {
      try {
        await this.reportCheckRun(client, event, context, sha);
        return;
      } catch (error) {
        // A token (not a GitHub App), or an App without the checks permission
        if (!isNamed(error, NotAllowedError.name)) throw error;
        this.options.logger.info(
          `GitHub refused check runs on ${client.repository.owner}/${
            client.repository.repo
          } (${
            (error as Error).message
          }); Comet sets commit statuses there instead`,
        );
        remember(this.statusesUntil, ownerKey, this.now() + MODE_MEMORY_MS);
        mode = 'statuses';
      }
    }
    await client.createCommitStatus(sha, {
      state: this.statusState(event.status),
      context: this.checkName(event.pipeline),
      description: this.description(event),
      targetUrl: this.runUrl(event.runId),
    });
  }

  private statusState(status: PipelineRunStatus) {
    switch (status) {
      case 'succeeded':
      case 'skipped':
        return 'success';
      case 'failed':
        return 'failure';
      case 'cancelled':
        return 'error';
      default:
        return 'pending';
    }
  }

  private description(event: PipelineRunEvent) {
    return `Comet run #${event.runNumber} ${STATUS_WORDS[event.status]}`;
  }

  private checkRunInput(event: PipelineRunEvent): GitHubCheckRunInput {
    const url = this.runUrl(event.runId);
    const output = {
      title: `Run #${event.runNumber} ${STATUS_WORDS[event.status]}`,
      summary: `Comet pipeline **${event.pipeline}** of \`${
        event.entityRef
      }\`: [run #${event.runNumber}](${url}) ${STATUS_WORDS[event.status]}.`,
    };
    const base = { detailsUrl: url, externalId: event.runId, output };
    switch (event.status) {
      case 'queued':
        return { ...base, status: 'queued' };
      case 'succeeded':
        return { ...base, status: 'completed', conclusion: 'success' };
      case 'failed':
        return { ...base, status: 'completed', conclusion: 'failure' };
      case 'cancelled':
        return { ...base, status: 'completed', conclusion: 'cancelled' };
      case 'skipped':
        return { ...base, status: 'completed', conclusion: 'skipped' };
      default:
        return { ...base, status: 'in_progress' };
    }
  }

  private checkRunLinkTitle(pipeline: string) {
    return `GitHub check ${this.checkName(pipeline)}`;
  }

  /** The run's check run: remembered, or named by the run's links (after a restart). */
  private knownCheckRun(event: PipelineRunEvent): number | undefined {
    const remembered = this.checkRuns.get(event.runId);
    if (remembered !== undefined) return remembered;
    const title = this.checkRunLinkTitle(event.pipeline);
    const link = event.links.find(l => l.title === title);
    const id = link && /\/runs\/(\d+)$/.exec(link.url)?.[1];
    return id ? Number(id) : undefined;
  }

  private async reportCheckRun(
    client: GitHubClient,
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    sha: string,
  ) {
    const input = this.checkRunInput(event);
    const known = this.knownCheckRun(event);
    if (known !== undefined) {
      try {
        await client.updateCheckRun(known, input);
        remember(this.checkRuns, event.runId, known);
        return;
      } catch (error) {
        // Deleted, or made by other credentials: start a new one
        if (!isNamed(error, NotFoundError.name)) throw error;
      }
    }
    const created = await client.createCheckRun({
      ...input,
      name: this.checkName(event.pipeline),
      headSha: sha,
    });
    remember(this.checkRuns, event.runId, created.id);
    // Also how another replica (or this one after a restart) finds it again
    await context.addRunLinks([
      { title: this.checkRunLinkTitle(event.pipeline), url: created.htmlUrl },
    ]);
  }

  // Pull requests: one comment per entity

  /** Open pull requests whose head is the run's commit. */
  private async pullRequestsOf(
    client: GitHubClient,
    event: PipelineRunEvent,
    sha: string,
  ): Promise<GitHubPullRequestSummary[]> {
    const own = event.trigger.pullRequest?.number;
    let candidates: GitHubPullRequestSummary[];
    if (own !== undefined) {
      try {
        candidates = [await client.getPullRequest(own)];
      } catch (error) {
        if (isNamed(error, NotFoundError.name)) return [];
        throw error;
      }
    } else if (event.branch) {
      const open = await client.listPullRequests({
        state: 'open',
        perPage: 100,
      });
      candidates = open.filter(pull => pull.headRef === event.branch);
    } else {
      return [];
    }
    return candidates.filter(
      pull => pull.state === 'open' && pull.headSha === sha,
    );
  }

  private async reportPullRequests(
    client: GitHubClient,
    event: PipelineRunEvent,
    context: PipelineRunEventContext,
    sha: string,
  ) {
    const pulls = await this.pullRequestsOf(client, event, sha);
    if (pulls.length === 0) return;
    // Where the run failed (job and step names, never log lines)
    const failedAt =
      event.status === 'failed'
        ? (await context.failures({ logLines: 0 })).map(f =>
            f.stepName ? `${f.jobName} › ${f.stepName}` : f.jobName,
          )
        : undefined;
    // What the steps reported (the SonarQube gate, test results): titles, statuses, one-line
    // summaries and links, masked by the pipelines plugin; never log lines
    const reports = commentReports(await context.reports());
    const run = {
      pipeline: event.pipeline,
      runId: event.runId,
      runNumber: event.runNumber,
      status: event.status,
      occurredAt: event.occurredAt,
      url: this.runUrl(event.runId),
      ...(failedAt?.length ? { failedAt } : {}),
      ...reports,
    };
    const marker = commentMarker(event.entityRef);
    for (const pull of pulls) {
      const existing = await client.findIssueComment(pull.number, marker);
      const state = mergeCommentRun(
        existing && parseCommentState(existing.body),
        sha,
        run,
      );
      const body = renderComment(event.entityRef, state);
      let url = existing?.htmlUrl;
      if (!existing) {
        url = (await client.createIssueComment(pull.number, body)).htmlUrl;
      } else if (existing.body !== body) {
        await client.updateIssueComment(existing.id, body);
      }
      if (url && !event.links.some(link => link.url === url)) {
        await context.addRunLinks([
          { title: `Comet results on pull request #${pull.number}`, url },
        ]);
      }
    }
  }
}
