import {
  commentMarker,
  markdownText,
  mergeCommentRun,
  parseCommentState,
  renderComment,
  type CommentRun,
} from './pullRequestComment';

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
});
