import {
  bugDescription,
  bugSummary,
  failureSignature,
  lastMarker,
  maskLogLine,
  pipelineLabel,
} from './failureBugs';

const failure = {
  jobRunId: 'test (shard=1)',
  jobName: 'Unit tests',
  stepIndex: 2,
  stepName: 'npm test',
  exitCode: 1,
  error: 'Exited with code 1 after 1234 ms in /tmp/ws-3f9a2b1c0d',
  logTail: ['ok', 'FAIL src/a.test.ts', 'token=abc123'],
};
const run = {
  entityRef: 'component:default/payments-api',
  pipeline: 'ci',
  runId: '0b5c2e4e-1d5e-4f3a-9d2c-7a1b2c3d4e5f',
  runNumber: 12,
  runUrl: 'http://portal.example.com/pipelines/runs/x',
  branch: 'main',
  commitSha: 'a'.repeat(40),
};

describe('failure signatures', () => {
  it('stay the same when only numbers, hashes, ids and matrix values change', () => {
    const base = failureSignature({ ...run, failure });
    expect(base).toMatch(/^[0-9a-f]{12}$/);
    expect(
      failureSignature({
        ...run,
        failure: {
          ...failure,
          jobRunId: 'test (shard=2)',
          error: 'Exited with code 1 after 99 ms in /tmp/ws-77aa88bb99',
          logTail: [],
        },
      }),
    ).toBe(base);
    expect(
      failureSignature({ ...run, failure: { ...failure, stepName: 'lint' } }),
    ).not.toBe(base);
    expect(failureSignature({ ...run, pipeline: 'release', failure })).not.toBe(
      base,
    );
    expect(
      failureSignature({
        ...run,
        failure: { ...failure, error: 'Timed out' },
      }),
    ).not.toBe(base);
  });

  it('label bugs per entity and pipeline', () => {
    expect(pipelineLabel(run.entityRef, 'ci')).toMatch(
      /^comet-pipeline-[0-9a-f]{10}$/,
    );
    expect(pipelineLabel(run.entityRef, 'ci')).not.toBe(
      pipelineLabel('component:default/other', 'ci'),
    );
  });
});

describe('maskLogLine', () => {
  it.each([
    ['Authorization: Bearer eyJabc.def.ghi', 'Authorization: Bearer ***'],
    [
      'curl -H "authorization: token ghp_x"',
      'curl -H "authorization: token ***"',
    ],
    ['password=hunter2 user=bob', 'password=*** user=bob'],
    ['API_KEY: "s3cr3t"', 'API_KEY: "***"'],
    ['using ghp_abcdefghijklmnopqrstuvwxyz0123', 'using ***'],
    ['aws AKIAABCDEFGHIJKLMNOP', 'aws ***'],
    ['slack xoxb-1234567890-abcdef', 'slack ***'],
    [
      'https://bob:pw@git.example.com/x.git',
      'https://bob:***@git.example.com/x.git',
    ],
    ['plain text stays', 'plain text stays'],
  ])('%s', (line, masked) => {
    expect(maskLogLine(line)).toBe(masked);
  });

  it('cuts very long lines', () => {
    expect(maskLogLine('x'.repeat(1000))).toHaveLength(301);
  });
});

describe('bug text', () => {
  it('names the step, the error, the run and quotes the masked log', () => {
    expect(bugSummary(run, failure)).toBe(
      '[Comet] payments-api: pipeline ci fails at Unit tests › npm test',
    );
    expect(bugSummary(run, { ...failure, stepName: undefined })).toBe(
      '[Comet] payments-api: pipeline ci fails at Unit tests',
    );
    const text = bugDescription(run, failure);
    expect(text).toContain(
      '[ci #12](http://portal.example.com/pipelines/runs/x)',
    );
    expect(text).toContain('- **Failing step:** npm test (exit code 1)');
    expect(text).toContain('- **Commit:** aaaaaaaaaaaa');
    expect(text).toContain('```\nok\nFAIL src/a.test.ts\ntoken=***\n```');
    expect(text).not.toContain('abc123');
    expect(text.endsWith(`comet:failed:${run.runId}`)).toBe(true);
    // A log that holds a fence is quoted with the other fence; no log, no quote
    expect(bugDescription(run, { ...failure, logTail: ['```'] })).toContain(
      '~~~\n```\n~~~',
    );
    const bare = bugDescription(
      { ...run, branch: undefined, commitSha: undefined },
      { jobRunId: 'a', jobName: 'A', logTail: [] },
    );
    expect(bare).not.toContain('log');
    expect(bare).not.toContain('Branch');
  });

  it('finds the last Comet marker', () => {
    expect(lastMarker(['nothing'])).toBeUndefined();
    expect(
      lastMarker(['comet:failed:a-1', 'x comet:green:b-2 y', 'text']),
    ).toEqual({ kind: 'green', text: 'comet:green:b-2' });
    expect(lastMarker(['comet:green:a comet:failed:b'])?.kind).toBe('failed');
  });
});
