import {
  DELIVERY_HEALTH_SECTIONS,
  type DeliveryHealthRating,
  type DeliveryHealthSectionName,
  type EntityDeliveryHealth,
} from '@internal/plugin-comet-common';

/** The figures the card and the table show, in their order. */
export type DeliveryHealthFigureId =
  | 'lastRun'
  | 'lastRunDuration'
  | 'successRate'
  | 'timeToRecovery'
  | 'qualityGate'
  | 'testPassRate'
  | 'flakyTests'
  | 'openBugs'
  | 'openPullRequests'
  | 'pullRequestAge';

export type DeliveryHealthFigureDefinition = {
  id: DeliveryHealthFigureId;
  label: string;
  section: DeliveryHealthSectionName;
};

export const DELIVERY_HEALTH_FIGURES: DeliveryHealthFigureDefinition[] = [
  { id: 'lastRun', label: 'Last run', section: 'pipelines' },
  { id: 'lastRunDuration', label: 'Last run duration', section: 'pipelines' },
  { id: 'successRate', label: 'Success rate', section: 'pipelines' },
  { id: 'timeToRecovery', label: 'Time to recovery', section: 'pipelines' },
  { id: 'qualityGate', label: 'Quality gate', section: 'qualityGate' },
  { id: 'testPassRate', label: 'Test pass rate', section: 'tests' },
  { id: 'flakyTests', label: 'Flaky tests', section: 'tests' },
  { id: 'openBugs', label: 'Open bugs', section: 'bugs' },
  {
    id: 'openPullRequests',
    label: 'Open pull requests',
    section: 'pullRequests',
  },
  {
    id: 'pullRequestAge',
    label: 'Oldest pull request',
    section: 'pullRequests',
  },
];

export const SECTION_TITLES: Record<DeliveryHealthSectionName, string> = {
  pipelines: 'Pipelines',
  qualityGate: 'Quality gate',
  tests: 'Tests',
  bugs: 'Bugs',
  pullRequests: 'Pull requests',
};

/** One figure as shown: its text, what it was rated, where it comes from, how it sorts. */
export type DeliveryHealthFigure = {
  id: DeliveryHealthFigureId;
  label: string;
  text: string;
  /** A short explanation under or beside the value. */
  detail?: string;
  rating?: DeliveryHealthRating;
  link?: string;
  /** What the table sorts by; absent when there is no value (sorted last). */
  sortValue?: number;
};

/** One section as shown: its figures, or the message saying why there are none. */
export type DeliveryHealthSectionView = {
  name: DeliveryHealthSectionName;
  title: string;
  link?: string;
} & (
  | { status: 'ok'; figures: DeliveryHealthFigure[]; message?: string }
  | { status: 'not-configured' | 'error'; message: string }
);

const numberFormat = new Intl.NumberFormat('en-US', {
  maximumFractionDigits: 1,
});

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

export function formatPercent(value: number): string {
  return `${formatNumber(value)}%`;
}

/** `45 s`, `2 min 5 s`, `1 h 3 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `25 min` under an hour, else `17.5 h`. */
export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  return `${formatNumber(hours)} h`;
}

export function formatDays(days: number): string {
  return `${formatNumber(days)} ${days === 1 ? 'day' : 'days'}`;
}

function plural(count: number, one: string, many: string): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

/** A run's start, in the reader's time zone: `3 Mar 2026, 12:00`. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('en-US') + text.slice(1);
}

const GATE_LABELS: Record<string, string> = {
  OK: 'Passed',
  WARN: 'Warning',
  ERROR: 'Failed',
  NONE: 'Not analysed',
};

const RATING_ORDER: Record<DeliveryHealthRating, number> = {
  good: 0,
  warn: 1,
  bad: 2,
};

function label(id: DeliveryHealthFigureId): string {
  return DELIVERY_HEALTH_FIGURES.find(f => f.id === id)!.label;
}

function figure(
  id: DeliveryHealthFigureId,
  rest: Omit<DeliveryHealthFigure, 'id' | 'label'>,
): DeliveryHealthFigure {
  return { id, label: label(id), ...rest };
}

type SectionValue<K extends DeliveryHealthSectionName> = Extract<
  EntityDeliveryHealth[K],
  { status: 'ok' }
>['value'];

type FigureReaders = {
  [K in DeliveryHealthSectionName]: (
    value: SectionValue<K>,
    link: string | undefined,
  ) => DeliveryHealthFigure[];
};

const FIGURE_READERS: FigureReaders = {
  pipelines: (value, link) => {
    const { lastRun, successRate, timeToRecoveryHours, sampleSize } = value;
    const runLink = lastRun.link ?? link;
    const started = Date.parse(lastRun.createdAt);
    let durationText = 'Not finished';
    if (lastRun.durationMs !== undefined) {
      durationText = formatDuration(lastRun.durationMs);
    } else if (lastRun.finishedAt) {
      durationText = 'Unknown';
    }
    const sample = `of the last ${plural(sampleSize, 'run', 'runs')}`;
    return [
      figure('lastRun', {
        text: capitalise(lastRun.status),
        detail: `${lastRun.pipeline}, ${formatDateTime(lastRun.createdAt)}`,
        link: runLink,
        sortValue: Number.isNaN(started) ? undefined : started,
      }),
      figure('lastRunDuration', {
        text: durationText,
        link: runLink,
        sortValue: lastRun.durationMs,
      }),
      successRate
        ? figure('successRate', {
            text: formatPercent(successRate.value),
            detail: sample,
            rating: successRate.rating,
            link,
            sortValue: successRate.value,
          })
        : figure('successRate', {
            text: 'No finished runs',
            detail: sample,
            link,
          }),
      timeToRecoveryHours
        ? figure('timeToRecovery', {
            text: formatHours(timeToRecoveryHours.value),
            detail: `mean, ${sample}`,
            rating: timeToRecoveryHours.rating,
            link,
            sortValue: timeToRecoveryHours.value,
          })
        : figure('timeToRecovery', {
            text: 'No recovery',
            detail: `no failure followed by a success ${sample}`,
            link,
          }),
    ];
  },
  qualityGate: ({ status, projects }, link) => [
    figure('qualityGate', {
      text: GATE_LABELS[status.value] ?? status.value,
      detail:
        projects.length > 1
          ? `the worst of ${projects.length} projects`
          : undefined,
      rating: status.rating,
      link,
      sortValue: status.rating ? RATING_ORDER[status.rating] : undefined,
    }),
  ],
  tests: ({ passRate, flakyCount, suites }, link) => {
    const ofSuites = `latest runs of ${plural(
      suites.length,
      'suite',
      'suites',
    )}`;
    return [
      passRate
        ? figure('testPassRate', {
            text: formatPercent(passRate.value),
            detail: ofSuites,
            rating: passRate.rating,
            link,
            sortValue: passRate.value,
          })
        : figure('testPassRate', {
            text: 'No tests run',
            detail: ofSuites,
            link,
          }),
      figure('flakyTests', {
        text: formatNumber(flakyCount.value),
        detail: 'passed only on a retry',
        rating: flakyCount.rating,
        link,
        sortValue: flakyCount.value,
      }),
    ];
  },
  bugs: ({ openBugs, isLowerBound }, link) => [
    figure('openBugs', {
      text: `${formatNumber(openBugs.value)}${isLowerBound ? '+' : ''}`,
      detail: isLowerBound ? 'at least: Jira gave no total' : undefined,
      rating: openBugs.rating,
      link,
      sortValue: openBugs.value,
    }),
  ],
  pullRequests: ({ open, hasMore, oldestAgeDays, averageAgeDays }, link) => [
    figure('openPullRequests', {
      text: `${formatNumber(open)}${hasMore ? '+' : ''}`,
      detail: hasMore
        ? `more are open: only the newest ${open} were read`
        : undefined,
      link,
      sortValue: open,
    }),
    oldestAgeDays
      ? figure('pullRequestAge', {
          text: formatDays(oldestAgeDays.value),
          detail:
            averageAgeDays !== undefined
              ? `mean age ${formatDays(averageAgeDays)}`
              : undefined,
          rating: oldestAgeDays.rating,
          link,
          sortValue: oldestAgeDays.value,
        })
      : figure('pullRequestAge', { text: 'None open', link }),
  ],
};

/** The entity's health as sections of figures, in the order the card shows them. */
export function deliveryHealthSections(
  health: EntityDeliveryHealth,
): DeliveryHealthSectionView[] {
  return DELIVERY_HEALTH_SECTIONS.map(name => {
    const section = health[name];
    const title = SECTION_TITLES[name];
    if (section.status !== 'ok') {
      return {
        name,
        title,
        status: section.status,
        link: section.link,
        message: section.message,
      };
    }
    const read = FIGURE_READERS[name] as (
      value: unknown,
      link: string | undefined,
    ) => DeliveryHealthFigure[];
    return {
      name,
      title,
      status: 'ok',
      link: section.link,
      figures: read(section.value, section.link),
      message: section.message,
    };
  });
}

/** How many figures a section has (the columns it spans in the table). */
export function figureCount(name: DeliveryHealthSectionName): number {
  return DELIVERY_HEALTH_FIGURES.filter(f => f.section === name).length;
}
