import type { Entity } from '@backstage/catalog-model';
import {
  DeliveryHealthBugs,
  DeliveryHealthPipelines,
  DeliveryHealthPullRequests,
  DeliveryHealthQualityGate,
  DeliveryHealthRating,
  DeliveryHealthSection,
  DeliveryHealthTests,
  DeliveryHealthThresholds,
  rateFigure,
} from '@internal/plugin-comet-common';
import { ActionCallError, HealthActions } from './HealthActions';

/** The community annotation keys the families read (see docs/architecture). */
export const ANNOTATIONS = {
  sonarqube: 'sonarqube.org/project-key',
  jiraProject: 'jira/project-key',
  jiraJql: 'jira/all-issues-jql',
  github: 'github.com/project-slug',
} as const;

/** The actions each section reads, by their registered ids. */
export const SECTION_ACTIONS = {
  pipelines: 'pipelines:list-runs',
  qualityGate: 'sonarqube:get-quality-gate',
  testSuites: 'test-recorder:list-suites',
  testRun: 'test-recorder:get-run',
  bugs: 'jira:search-issues',
  pullRequests: 'github:list-pull-requests',
} as const;

/** The most suites whose latest run is read for one entity: a bound on work. */
export const MAX_SUITES = 10;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type SectionContext = {
  entity: Entity;
  entityRef: string;
  actions: HealthActions;
  thresholds: DeliveryHealthThresholds;
  runSampleSize: number;
  /** The portal's base URL without a trailing slash, for links to its pages. */
  appBaseUrl: string;
  now: number;
};

type Section<T> = DeliveryHealthSection<T>;

/** The entity's page in the portal, or one of its tabs. */
export function entityPage(ctx: SectionContext, tab?: string): string {
  const { kind, metadata } = ctx.entity;
  const path = [
    'catalog',
    metadata.namespace ?? 'default',
    kind.toLocaleLowerCase('en-US'),
    metadata.name,
    ...(tab ? [tab] : []),
  ]
    .map(encodeURIComponent)
    .join('/');
  return `${ctx.appBaseUrl}/${path}`;
}

function notConfigured<T>(message: string, link?: string): Section<T> {
  return { status: 'not-configured', message, ...(link ? { link } : {}) };
}

/** A section that could not be read: not configured when the family says so, else an error. */
export function failedSection<T>(error: unknown, link?: string): Section<T> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ActionCallError && error.notConfigured) {
    return notConfigured(error.detail, link);
  }
  return { status: 'error', message, ...(link ? { link } : {}) };
}

/** Not configured when the family's action is not offered (plugin not installed). */
async function missingAction(
  ctx: SectionContext,
  actionId: string,
  family: string,
): Promise<string | undefined> {
  if (await ctx.actions.has(actionId)) return undefined;
  return `The ${family} plugin is not installed, or its actions are not in backend.actions.pluginSources (${actionId} is not available)`;
}

function annotation(ctx: SectionContext, key: string): string | undefined {
  const value = ctx.entity.metadata.annotations?.[key];
  return value?.trim() ? value : undefined;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function rated(
  name: Parameters<typeof rateFigure>[0],
  value: number,
  thresholds: DeliveryHealthThresholds,
): { value: number; rating: DeliveryHealthRating } {
  return { value, rating: rateFigure(name, value, thresholds) };
}

type RunBrief = {
  runId: string;
  provider: string;
  pipeline: string;
  status: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  links?: Array<{ url?: string }>;
};

/**
 * Mean time to recovery, per pipeline: from the first failed run after a success (or the
 * first run) to the next successful run of the same pipeline. A failure not yet recovered
 * counts for nothing: it has no recovery time yet.
 */
export function meanTimeToRecoveryMs(runs: RunBrief[]): number | undefined {
  const finished = runs
    .filter(r => r.status === 'succeeded' || r.status === 'failed')
    .map(r => ({ ...r, at: Date.parse(r.finishedAt ?? r.createdAt) }))
    .filter(r => Number.isFinite(r.at))
    .sort((a, b) => a.at - b.at);
  const failingSince = new Map<string, number>();
  const recoveries: number[] = [];
  for (const run of finished) {
    const since = failingSince.get(run.pipeline);
    if (run.status === 'failed') {
      if (since === undefined) failingSince.set(run.pipeline, run.at);
    } else if (since !== undefined) {
      recoveries.push(run.at - since);
      failingSince.delete(run.pipeline);
    }
  }
  if (recoveries.length === 0) return undefined;
  return recoveries.reduce((a, b) => a + b, 0) / recoveries.length;
}

/** Last run, success rate and time to recovery, from `pipelines:list-runs`. */
export async function readPipelines(
  ctx: SectionContext,
): Promise<Section<DeliveryHealthPipelines>> {
  const link = entityPage(ctx, 'ci-cd');
  const missing = await missingAction(
    ctx,
    SECTION_ACTIONS.pipelines,
    'pipelines',
  );
  if (missing) return notConfigured(missing);
  const { runs } = await ctx.actions.invoke<{ runs: RunBrief[] }>(
    SECTION_ACTIONS.pipelines,
    { entityRef: ctx.entityRef, limit: ctx.runSampleSize },
  );
  if (!runs?.length) {
    return notConfigured(`${ctx.entityRef} has no pipeline runs yet`, link);
  }
  const [last] = runs;
  const finished = runs.filter(
    r => r.status === 'succeeded' || r.status === 'failed',
  );
  const succeeded = finished.filter(r => r.status === 'succeeded').length;
  const ttr = meanTimeToRecoveryMs(runs);
  const lastLink =
    last.provider === 'comet'
      ? `${ctx.appBaseUrl}/pipelines/runs/${encodeURIComponent(last.runId)}`
      : last.links?.find(l => l.url)?.url;
  return {
    status: 'ok',
    link,
    value: {
      lastRun: {
        runId: last.runId,
        provider: last.provider,
        pipeline: last.pipeline,
        status: last.status,
        createdAt: last.createdAt,
        ...(last.finishedAt ? { finishedAt: last.finishedAt } : {}),
        ...(last.durationMs !== undefined
          ? { durationMs: last.durationMs }
          : {}),
        ...(lastLink ? { link: lastLink } : {}),
      },
      ...(finished.length
        ? {
            successRate: rated(
              'successRate',
              round((100 * succeeded) / finished.length),
              ctx.thresholds,
            ),
          }
        : {}),
      ...(ttr !== undefined
        ? {
            timeToRecoveryHours: rated(
              'timeToRecoveryHours',
              round(ttr / HOUR, 2),
              ctx.thresholds,
            ),
          }
        : {}),
      sampleSize: runs.length,
    },
  };
}

const GATE_ORDER = ['NONE', 'OK', 'WARN', 'ERROR'];
const GATE_RATING: Record<string, DeliveryHealthRating | undefined> = {
  OK: 'good',
  WARN: 'warn',
  ERROR: 'bad',
};

/** The quality gate of the entity's SonarQube projects, from `sonarqube:get-quality-gate`. */
export async function readQualityGate(
  ctx: SectionContext,
): Promise<Section<DeliveryHealthQualityGate>> {
  const link = entityPage(ctx, 'sonarqube');
  const missing = await missingAction(
    ctx,
    SECTION_ACTIONS.qualityGate,
    'SonarQube',
  );
  if (missing) return notConfigured(missing);
  if (!annotation(ctx, ANNOTATIONS.sonarqube)) {
    return notConfigured(
      `${ctx.entityRef} has no SonarQube project: add the annotation ${ANNOTATIONS.sonarqube}`,
    );
  }
  const { projects } = await ctx.actions.invoke<{
    projects: Array<{
      project: string;
      instance: string;
      status: string;
      url?: string;
      analysed?: false;
      error?: string;
    }>;
  }>(SECTION_ACTIONS.qualityGate, { entityRef: ctx.entityRef });
  // A project SonarQube has not analysed yet is read: its gate is NONE, not a failure
  const notAnalysed = (p: { analysed?: false }) => p.analysed === false;
  const read = projects.filter(p => !p.error || notAnalysed(p));
  const failed = projects.filter(p => p.error && !notAnalysed(p));
  if (read.length === 0) {
    return {
      status: 'error',
      link,
      message:
        failed.map(p => `${p.project}: ${p.error}`).join('; ') ||
        'SonarQube returned no project',
    };
  }
  const worst = read
    .map(p => p.status)
    .reduce((a, b) => (GATE_ORDER.indexOf(b) > GATE_ORDER.indexOf(a) ? b : a));
  const rating = GATE_RATING[worst];
  return {
    status: 'ok',
    link: read.length === 1 && read[0].url ? read[0].url : link,
    ...(failed.length
      ? {
          message: `Not read: ${failed
            .map(p => `${p.project}: ${p.error}`)
            .join('; ')}`,
        }
      : {}),
    value: {
      status: { value: worst, ...(rating ? { rating } : {}) },
      projects: projects.map(p => ({
        project: p.project,
        instance: p.instance,
        status: p.status,
        ...(p.url ? { link: p.url } : {}),
        ...(p.error && !notAnalysed(p) ? { error: p.error } : {}),
      })),
    },
  };
}

type SuiteBrief = {
  name: string;
  latestRun?: { runId: string; status: string };
};
type RunCounts = {
  passed: number;
  failed: number;
  flaky: number;
  skipped: number;
};

/** Pass rate and flaky tests of the latest run of each suite, from the test recorder. */
export async function readTests(
  ctx: SectionContext,
): Promise<Section<DeliveryHealthTests>> {
  const link = entityPage(ctx, 'tests');
  const missing = await missingAction(
    ctx,
    SECTION_ACTIONS.testSuites,
    'test recorder',
  );
  if (missing) return notConfigured(missing);
  const { suites } = await ctx.actions.invoke<{ suites: SuiteBrief[] }>(
    SECTION_ACTIONS.testSuites,
    { entityRef: ctx.entityRef },
  );
  if (!suites?.length) {
    return notConfigured(
      `${ctx.entityRef} has no browser test suites: record one, or name one in the annotation comet.dev/test-suites`,
      link,
    );
  }
  const suitePage = (name: string) =>
    `${ctx.appBaseUrl}/test-recorder/suites/${encodeURIComponent(name)}`;
  const rows = await Promise.all(
    suites.slice(0, MAX_SUITES).map(async suite => {
      const base = { suite: suite.name, link: suitePage(suite.name) };
      if (!suite.latestRun) return base;
      const runLink = `${
        ctx.appBaseUrl
      }/test-recorder/runs/${encodeURIComponent(suite.latestRun.runId)}`;
      try {
        const { run } = await ctx.actions.invoke<{
          run: { runId: string; status: string; counts: RunCounts };
        }>(SECTION_ACTIONS.testRun, { runId: suite.latestRun.runId });
        return {
          ...base,
          link: runLink,
          runId: run.runId,
          status: run.status,
          counts: run.counts,
        };
      } catch (error) {
        return {
          ...base,
          runId: suite.latestRun.runId,
          status: suite.latestRun.status,
          error: (error as Error).message,
        };
      }
    }),
  );
  const counted = rows.filter(r => 'counts' in r && r.counts) as Array<{
    counts: RunCounts;
  }>;
  const errors = rows.filter(r => 'error' in r) as Array<{
    suite: string;
    error: string;
  }>;
  if (counted.length === 0 && errors.length > 0) {
    return {
      status: 'error',
      link,
      message: errors.map(r => `${r.suite}: ${r.error}`).join('; '),
    };
  }
  const sum = (key: keyof RunCounts) =>
    counted.reduce((total, r) => total + r.counts[key], 0);
  const ran = sum('passed') + sum('failed') + sum('flaky');
  const notes = [
    ...errors.map(r => `${r.suite}: ${r.error}`),
    ...(suites.length > MAX_SUITES
      ? [`Only the first ${MAX_SUITES} of ${suites.length} suites are counted`]
      : []),
  ];
  return {
    status: 'ok',
    link,
    ...(notes.length ? { message: notes.join('; ') } : {}),
    value: {
      ...(ran > 0
        ? {
            passRate: rated(
              'testPassRate',
              round((100 * (sum('passed') + sum('flaky'))) / ran),
              ctx.thresholds,
            ),
          }
        : {}),
      flakyCount: rated('flakyTests', sum('flaky'), ctx.thresholds),
      suites: rows,
    },
  };
}

/** Open bugs in the entity's Jira scope, from `jira:search-issues`. */
export async function readBugs(
  ctx: SectionContext,
): Promise<Section<DeliveryHealthBugs>> {
  const link = entityPage(ctx, 'jira');
  const missing = await missingAction(ctx, SECTION_ACTIONS.bugs, 'Jira');
  if (missing) return notConfigured(missing);
  if (
    !annotation(ctx, ANNOTATIONS.jiraProject) &&
    !annotation(ctx, ANNOTATIONS.jiraJql)
  ) {
    return notConfigured(
      `${ctx.entityRef} has no Jira project: add the annotation ${ANNOTATIONS.jiraProject}`,
    );
  }
  const limit = 100;
  const page = await ctx.actions.invoke<{
    issues: unknown[];
    total?: number;
  }>(SECTION_ACTIONS.bugs, {
    entityRef: ctx.entityRef,
    type: ['Bug'],
    jql: 'statusCategory != Done',
    limit,
  });
  const isLowerBound = page.total === undefined && page.issues.length >= limit;
  const openBugs = page.total ?? page.issues.length;
  return {
    status: 'ok',
    link,
    value: {
      openBugs: rated('openBugs', openBugs, ctx.thresholds),
      isLowerBound,
    },
  };
}

/** Open pull requests and their age, from `github:list-pull-requests`. */
export async function readPullRequests(
  ctx: SectionContext,
): Promise<Section<DeliveryHealthPullRequests>> {
  const link = entityPage(ctx, 'github');
  const missing = await missingAction(
    ctx,
    SECTION_ACTIONS.pullRequests,
    'GitHub',
  );
  if (missing) return notConfigured(missing);
  if (!annotation(ctx, ANNOTATIONS.github)) {
    return notConfigured(
      `${ctx.entityRef} has no GitHub repository: add the annotation ${ANNOTATIONS.github}`,
    );
  }
  const { pullRequests, hasMore } = await ctx.actions.invoke<{
    pullRequests: Array<{ createdAt: string; htmlUrl?: string }>;
    hasMore: boolean;
  }>(SECTION_ACTIONS.pullRequests, {
    entityRef: ctx.entityRef,
    state: 'open',
  });
  const ages = pullRequests
    .map(pr => (ctx.now - Date.parse(pr.createdAt)) / DAY)
    .filter(age => Number.isFinite(age));
  // The repository's list of pull requests, from one pull request's address
  const pullsPage = pullRequests
    .map(
      pr => pr.htmlUrl && /^(https?:\/\/.+)\/pull\/\d+$/.exec(pr.htmlUrl)?.[1],
    )
    .find(Boolean);
  return {
    status: 'ok',
    link: pullsPage ? `${pullsPage}/pulls` : link,
    value: {
      open: pullRequests.length,
      hasMore,
      ...(ages.length
        ? {
            oldestAgeDays: rated(
              'pullRequestAgeDays',
              round(Math.max(...ages)),
              ctx.thresholds,
            ),
            averageAgeDays: round(
              ages.reduce((a, b) => a + b, 0) / ages.length,
            ),
          }
        : {}),
    },
  };
}
