import {
  deliveryHealthSections,
  figureCount,
  formatDateTime,
  formatDays,
  formatDuration,
  formatHours,
  formatPercent,
} from './figures';
import { APP, healthyEntity, troubledEntity } from './__testUtils__/fixtures';

describe('formatting', () => {
  it('writes durations, hours, days and percents for a reader', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(17.54)).toBe('17.5 h');
    expect(formatDays(1)).toBe('1 day');
    expect(formatDays(12.25)).toBe('12.3 days');
    expect(formatPercent(96.25)).toBe('96.3%');
    expect(formatPercent(1234.5)).toBe('1,234.5%');
  });

  it('keeps a date it cannot read as it is', () => {
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDateTime('2026-03-03T11:00:00.000Z')).toMatch(/Mar 2026/);
  });
});

describe('deliveryHealthSections', () => {
  it('turns every read section into its figures, rated and linked', () => {
    const sections = deliveryHealthSections(healthyEntity());
    expect(sections.map(s => [s.name, s.status])).toEqual([
      ['pipelines', 'ok'],
      ['qualityGate', 'ok'],
      ['tests', 'ok'],
      ['bugs', 'ok'],
      ['pullRequests', 'ok'],
    ]);
    const figures = sections.flatMap(s => (s.status === 'ok' ? s.figures : []));
    expect(
      figures.map(f => [f.id, f.text, f.rating, f.link, f.sortValue]),
    ).toEqual([
      [
        'lastRun',
        'Succeeded',
        undefined,
        `${APP}/pipelines/runs/run-42`,
        Date.parse('2026-03-03T11:00:00.000Z'),
      ],
      [
        'lastRunDuration',
        '2 min 5 s',
        undefined,
        `${APP}/pipelines/runs/run-42`,
        125_000,
      ],
      [
        'successRate',
        '40%',
        'bad',
        `${APP}/catalog/default/component/payments-api/ci-cd`,
        40,
      ],
      [
        'timeToRecovery',
        '17.5 h',
        'good',
        `${APP}/catalog/default/component/payments-api/ci-cd`,
        17.5,
      ],
      [
        'qualityGate',
        'Failed',
        'bad',
        'https://sonar.example.com/dashboard?id=acme_api',
        2,
      ],
      [
        'testPassRate',
        '96.3%',
        'warn',
        `${APP}/catalog/default/component/payments-api/tests`,
        96.25,
      ],
      [
        'flakyTests',
        '1',
        'warn',
        `${APP}/catalog/default/component/payments-api/tests`,
        1,
      ],
      [
        'openBugs',
        '3',
        'good',
        `${APP}/catalog/default/component/payments-api/jira`,
        3,
      ],
      [
        'openPullRequests',
        '4',
        undefined,
        'https://github.com/acme/payments-api/pulls',
        4,
      ],
      [
        'pullRequestAge',
        '12 days',
        'warn',
        'https://github.com/acme/payments-api/pulls',
        12,
      ],
    ]);
    expect(figures.find(f => f.id === 'successRate')?.detail).toBe(
      'of the last 6 runs',
    );
    expect(figures.find(f => f.id === 'pullRequestAge')?.detail).toBe(
      'mean age 5.5 days',
    );
    expect(figures.find(f => f.id === 'testPassRate')?.detail).toBe(
      'latest runs of 1 suite',
    );
  });

  it('passes on why a section has no figures, and what is missing from one that has', () => {
    const sections = deliveryHealthSections(troubledEntity());
    expect(sections[0]).toEqual({
      name: 'pipelines',
      title: 'Pipelines',
      status: 'not-configured',
      message: 'component:default/billing has no pipeline runs yet',
      link: `${APP}/catalog/default/component/billing/ci-cd`,
    });
    expect(sections[1]).toMatchObject({
      status: 'not-configured',
      message:
        'component:default/billing has no sonarqube.org/project-key annotation',
    });
    expect(sections[4]).toMatchObject({
      status: 'error',
      message: 'github:list-pull-requests answered 503: Service Unavailable',
    });
    const tests = sections[2];
    expect(tests.status).toBe('ok');
    if (tests.status !== 'ok') throw new Error('tests should be ok');
    expect(tests.message).toBe(
      'Suite "smoke": test-recorder:get-run answered 500: boom',
    );
    expect(tests.figures.map(f => [f.text, f.rating, f.sortValue])).toEqual([
      ['No tests run', undefined, undefined],
      ['0', 'good', 0],
    ]);
    const bugs = sections[3];
    if (bugs.status !== 'ok') throw new Error('bugs should be ok');
    expect(bugs.figures[0]).toMatchObject({
      text: '100+',
      detail: 'at least: Jira gave no total',
      rating: 'bad',
    });
    expect(bugs.figures[0].link).toBeUndefined();
  });

  it('says what is absent: no finished run, no recovery, an unrated gate, no open pull request', () => {
    const base = healthyEntity();
    if (base.pipelines.status !== 'ok') throw new Error('fixture');
    const sections = deliveryHealthSections({
      ...base,
      pipelines: {
        status: 'ok',
        value: {
          lastRun: {
            ...base.pipelines.value.lastRun,
            status: 'running',
            finishedAt: undefined,
            durationMs: undefined,
            link: undefined,
            createdAt: 'garbled',
          },
          sampleSize: 1,
        },
      },
      qualityGate: {
        status: 'ok',
        value: {
          status: { value: 'NONE' },
          projects: [
            { project: 'a', instance: 'default', status: 'NONE' },
            { project: 'b', instance: 'default', status: 'NONE' },
          ],
        },
      },
      pullRequests: {
        status: 'ok',
        value: { open: 30, hasMore: true },
      },
    });
    const figures = sections.flatMap(s => (s.status === 'ok' ? s.figures : []));
    const byId = (id: string) => figures.find(f => f.id === id)!;
    expect(byId('lastRun').text).toBe('Running');
    expect(byId('lastRun').link).toBeUndefined();
    expect(byId('lastRun').sortValue).toBeUndefined();
    expect(byId('lastRunDuration').text).toBe('Not finished');
    expect(byId('successRate')).toMatchObject({
      text: 'No finished runs',
      detail: 'of the last 1 run',
    });
    expect(byId('successRate').rating).toBeUndefined();
    expect(byId('timeToRecovery').text).toBe('No recovery');
    expect(byId('qualityGate')).toMatchObject({
      text: 'Not analysed',
      detail: 'the worst of 2 projects',
    });
    expect(byId('qualityGate').rating).toBeUndefined();
    expect(byId('qualityGate').sortValue).toBeUndefined();
    expect(byId('openPullRequests')).toMatchObject({
      text: '30+',
      detail: 'more are open: only the newest 30 were read',
    });
    expect(byId('pullRequestAge').text).toBe('None open');
  });

  it('names a finished run without a duration, and an unknown gate status as it came', () => {
    const base = healthyEntity();
    if (base.pipelines.status !== 'ok') throw new Error('fixture');
    const sections = deliveryHealthSections({
      ...base,
      pipelines: {
        ...base.pipelines,
        value: {
          ...base.pipelines.value,
          lastRun: { ...base.pipelines.value.lastRun, durationMs: undefined },
        },
      },
      qualityGate: {
        status: 'ok',
        value: { status: { value: 'UNKNOWN' }, projects: [] },
      },
    });
    const figures = sections.flatMap(s => (s.status === 'ok' ? s.figures : []));
    expect(figures.find(f => f.id === 'lastRunDuration')?.text).toBe('Unknown');
    expect(figures.find(f => f.id === 'qualityGate')?.text).toBe('UNKNOWN');
  });

  it('counts the columns each section spans', () => {
    expect(figureCount('pipelines')).toBe(4);
    expect(figureCount('qualityGate')).toBe(1);
    expect(figureCount('tests')).toBe(2);
    expect(figureCount('pullRequests')).toBe(2);
  });
});
