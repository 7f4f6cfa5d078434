import type { PipelineRunReport } from '@internal/plugin-pipelines-common';
import {
  commentMarker,
  commentReports,
  markdownText,
  markdownUrl,
  mergeCommentRun,
  parseCommentState,
  renderComment,
  type CommentRun,
} from './pullRequestComment';

const stepReport = (
  over: Partial<PipelineRunReport> = {},
): PipelineRunReport => ({
  jobRunId: 'gate',
  jobName: 'Gate',
  stepIndex: 0,
  stepName: 'sonarqube/quality-gate',
  kind: 'sonarqube.quality-gate',
  title: 'SonarQube gate of payments-api',
  status: 'passed',
  summary: 'All 4 conditions passed',
  url: 'https://sonar.example.com/dashboard?id=payments-api',
  reportedAt: '2026-12-06T10:00:00.000Z',
  ...over,
});

const run = (over: Partial<CommentRun> = {}): CommentRun => ({
  pipeline: 'ci',
  runId: 'run-1',
  runNumber: 1,
  status: 'running',
  occurredAt: '2026-12-06T10:00:00.000Z',
  url: 'http://portal.example.com/pipelines/runs/run-1',
  ...over,
});

describe('the pull request comment', () => {
  it('keeps the latest run per pipeline of one commit', () => {
    const sha = 'a'.repeat(40);
    let state = mergeCommentRun(undefined, sha, run());
    // An older status of the same run, and an older run, change nothing
    state = mergeCommentRun(
      state,
      sha,
      run({ status: 'queued', occurredAt: '2026-12-06T09:00:00.000Z' }),
    );
    state = mergeCommentRun(
      state,
      sha,
      run({ runId: 'run-0', runNumber: 0, status: 'failed' }),
    );
    expect(state.runs).toEqual([run()]);
    state = mergeCommentRun(state, sha, run({ pipeline: 'build' }));
    expect(state.runs.map(r => r.pipeline)).toEqual(['build', 'ci']);
    // Another commit starts over
    const other = mergeCommentRun(state, 'b'.repeat(40), run());
    expect(other).toEqual({ sha: 'b'.repeat(40), runs: [run()] });
  });

  it('renders a table whose cells cannot inject Markdown, and reads its state back', () => {
    const state = {
      sha: 'a'.repeat(40),
      runs: [
        run({
          pipeline: 'ci | <img src=x>',
          status: 'failed',
          failedAt: ['[Unit](http://evil) › npm\ntest'],
        }),
        run({ pipeline: 'odd', status: 'mystery' as any }),
      ],
    };
    const body = renderComment('component:default/a', state);
    expect(body.startsWith(commentMarker('component:default/a'))).toBe(true);
    expect(body).toContain(
      '| ci \\| \\<img src=x\\> | [#1](http://portal.example.com/pipelines/runs/run-1) | ❌ failed at \\[Unit\\](http://evil) › npm test |',
    );
    expect(body).toContain('| odd | [#1]');
    expect(body).toContain('| mystery |');
    expect(parseCommentState(body)).toEqual(state);
    expect(markdownText('x'.repeat(300))).toHaveLength(200);
  });

  it('ignores a comment without state or with a damaged one', () => {
    expect(parseCommentState('hello')).toBeUndefined();
    expect(
      parseCommentState('<!-- comet:state:bm90IGpzb24 -->'),
    ).toBeUndefined();
    const encoded = Buffer.from(JSON.stringify({ sha: 1 })).toString(
      'base64url',
    );
    expect(
      parseCommentState(`<!-- comet:state:${encoded} -->`),
    ).toBeUndefined();
  });

  it("lists each run's reports under the table, escaped, and keeps them in its state", () => {
    const state = {
      sha: 'a'.repeat(40),
      runs: [
        run({
          status: 'failed',
          failedAt: ['Test › suite'],
          ...commentReports([
            stepReport(),
            stepReport({
              kind: 'test-recorder.suite',
              title: 'Test suite [checkout](http://evil)',
              status: 'failed',
              summary: '12 passed, 1 failed, 1 flaky, 0 skipped <b>',
              url: 'http://portal.example.com/test-recorder/runs/r(1) x',
              data: { passed: 12 },
            }),
            stepReport({
              title: 'Warned',
              status: 'warning',
              // eslint-disable-next-line no-script-url
              url: 'javascript:alert(1)',
            }),
            stepReport({ title: 'Noted', status: 'info', url: undefined }),
          ]),
        }),
        run({ pipeline: 'lint', runId: 'run-2', runNumber: 2 }),
      ],
    };
    const body = renderComment('component:default/a', state);
    expect(body).toContain(
      [
        '| lint | [#2](http://portal.example.com/pipelines/runs/run-1) | 🔄 running |',
        '',
        '**ci** [#1](http://portal.example.com/pipelines/runs/run-1):',
        '',
        '- SonarQube gate of payments-api: ✅ passed — All 4 conditions passed — [details](https://sonar.example.com/dashboard?id=payments-api)',
        '- Test suite \\[checkout\\](http://evil): ❌ failed — 12 passed, 1 failed, 1 flaky, 0 skipped \\<b\\> — [details](http://portal.example.com/test-recorder/runs/r%281%29%20x)',
        '- Warned: ⚠️ warning — All 4 conditions passed',
        '- Noted: ℹ️ info — All 4 conditions passed',
        '',
        '<sub>',
      ].join('\n'),
    );
    // No data, job or step names in the comment or its state
    expect(body).not.toContain('passed":12');
    const read = parseCommentState(body)!;
    expect(read).toEqual(state);
    expect(read.runs[0].reports![1]).toEqual({
      title: 'Test suite [checkout](http://evil)',
      status: 'failed',
      summary: '12 passed, 1 failed, 1 flaky, 0 skipped <b>',
      url: 'http://portal.example.com/test-recorder/runs/r(1)%20x',
    });
    // A run without reports has no section
    expect(body).not.toContain('**lint**');
  });

  it('lists at most five reports per run, counts the rest, and cuts long ones', () => {
    const many = commentReports(
      Array.from({ length: 7 }, (_, i) =>
        stepReport({
          title: `Gate ${i} ${'t'.repeat(150)}`,
          summary: 's'.repeat(500),
          url:
            i === 0
              ? `https://sonar.example.com/${'a'.repeat(600)}`
              : undefined,
        }),
      ),
    );
    expect(many.reports).toHaveLength(5);
    expect(many.moreReports).toBe(2);
    expect(many.reports![0].title).toHaveLength(100);
    expect(many.reports![0].summary).toHaveLength(200);
    expect(many.reports![0].url).toBeUndefined();
    expect(commentReports([])).toEqual({});
    const body = renderComment('component:default/a', {
      sha: 'a'.repeat(40),
      runs: [run(many)],
    });
    expect(body).toContain(
      '- … and 2 more on [the run page](http://portal.example.com/pipelines/runs/run-1)',
    );
  });

  it.each([
    [12, 2, '- … and 3 more on [the run page]'],
    [40, 0, '- 5 reports on [the run page]'],
  ])(
    'lists fewer reports when the comment would grow past what GitHub accepts (%i runs)',
    (runCount, listed, moreLine) => {
      const runs = Array.from({ length: runCount }, (_, i) =>
        run({
          pipeline: `pipeline-${i}`,
          runId: `run-${i}`,
          ...commentReports(
            Array.from({ length: 5 }, (_report, k) =>
              stepReport({
                title: `Report ${k} ${'t'.repeat(90)}`,
                summary: 'é'.repeat(200),
                url: `https://sonar.example.com/${'p'.repeat(400)}`,
              }),
            ),
          ),
        }),
      );
      const body = renderComment('component:default/a', {
        sha: 'a'.repeat(40),
        runs,
      });
      expect(body.length).toBeLessThanOrEqual(60_000);
      const state = parseCommentState(body)!;
      expect(state.runs).toHaveLength(runCount);
      for (const stored of state.runs) {
        expect(stored.reports ?? []).toHaveLength(listed);
        expect(stored.moreReports).toBe(5 - listed);
      }
      expect(body).toContain(
        `${moreLine}(http://portal.example.com/pipelines/runs/run-1)`,
      );
    },
  );

  it('drops damaged reports from a stored state, and links only http(s) URLs', () => {
    const encoded = Buffer.from(
      JSON.stringify({
        sha: 'a'.repeat(40),
        runs: [
          run({
            reports: [
              { title: 'ok', status: 'passed', summary: 'fine' },
              { title: 1, status: 'passed', summary: 'x' },
              { title: 'x', status: 'great', summary: 'x' },
              { title: 'x', status: 'info', summary: 'x', url: 3 },
            ] as any,
          }),
          run({ pipeline: 'b', reports: 'nope' as any }),
        ],
      }),
    ).toString('base64url');
    const state = parseCommentState(`<!-- comet:state:${encoded} -->`)!;
    expect(state.runs[0].reports).toEqual([
      { title: 'ok', status: 'passed', summary: 'fine' },
    ]);
    expect(state.runs[1].reports).toEqual([]);
    expect(markdownUrl('ftp://example.com/x')).toBeUndefined();
    expect(markdownUrl('not a url')).toBeUndefined();
    expect(markdownUrl(undefined)).toBeUndefined();
    expect(markdownUrl('https://x.test/a[b]<c>`d`|e')).toBe(
      'https://x.test/a%5Bb%5D%3Cc%3E%60d%60%7Ce',
    );
  });
});
