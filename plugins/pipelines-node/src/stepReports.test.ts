import {
  parsePipelineStepReport,
  PIPELINE_STEP_REPORT_LIMITS,
} from './stepReports';

const valid = {
  kind: 'sonarqube.quality-gate',
  title: '  SonarQube gate of payments-api ',
  status: 'failed',
  summary: 'new_coverage 42.3 < 80',
  url: 'https://sonar.example.com/dashboard?id=payments-api',
  data: { failed: 1, conditions: [{ metric: 'new_coverage', ok: false }] },
};

function problem(value: unknown) {
  try {
    parsePipelineStepReport(value);
  } catch (error) {
    expect((error as Error).name).toBe('InputError');
    return (error as Error).message;
  }
  throw new Error('expected the report to be refused');
}

describe('parsePipelineStepReport', () => {
  it('keeps a valid report, trimmed and as plain JSON', () => {
    expect(parsePipelineStepReport(valid)).toEqual({
      ...valid,
      title: 'SonarQube gate of payments-api',
    });
    const bare = parsePipelineStepReport({
      kind: 'test-recorder.suite',
      title: 'Tests',
      status: 'info',
      summary: 'nothing ran',
    });
    expect(bare).toEqual({
      kind: 'test-recorder.suite',
      title: 'Tests',
      status: 'info',
      summary: 'nothing ran',
    });
    expect('url' in bare).toBe(false);
    // An object without a prototype is plain JSON too
    const data = Object.assign(Object.create(null), { n: null, b: true });
    expect(parsePipelineStepReport({ ...valid, data }).data).toEqual({
      n: null,
      b: true,
    });
  });

  it.each([
    [
      'no report',
      undefined,
      /must be an object with kind, title, status and summary, not undefined/,
    ],
    ['an array', [valid], /not an array/],
    [
      'unknown fields',
      { ...valid, detail: 'x', Summary: 'y' },
      /Unknown field\(s\) "detail", "Summary"/,
    ],
    [
      'a kind with spaces',
      { ...valid, kind: 'Sonar Gate' },
      /"kind" must be "<plugin>.<name>".*not "Sonar Gate"/,
    ],
    ['a kind without a dot', { ...valid, kind: 'sonarqube' }, /"kind" must be/],
    [
      'a long kind',
      { ...valid, kind: `a.${'b'.repeat(100)}` },
      /at most 100 characters/,
    ],
    [
      'an unknown status',
      { ...valid, status: 'ok' },
      /"status" must be one of passed, failed, warning, info, not "ok"/,
    ],
    [
      'a blank title',
      { ...valid, title: '   ' },
      /"title" must be a non-empty string/,
    ],
    [
      'a title that is no string',
      { ...valid, title: 7 },
      /"title" must be a non-empty string, not number/,
    ],
    [
      'a long title',
      { ...valid, title: 'x'.repeat(101) },
      /"title" must be at most 100 characters, not 101/,
    ],
    [
      'a summary of two lines',
      { ...valid, summary: 'one\ntwo' },
      /"summary" must be one line of plain text/,
    ],
    [
      'a long summary',
      { ...valid, summary: 'x'.repeat(501) },
      /"summary" must be at most 500 characters, not 501/,
    ],
    [
      'a javascript: URL',
      // eslint-disable-next-line no-script-url
      { ...valid, url: 'javascript:alert(1)' },
      /"url" must be an absolute http\(s\) URL .* not "javascript:alert\(1\)"/,
    ],
    [
      'a relative URL',
      { ...valid, url: '/relative/path' },
      /"url" must be an absolute http\(s\) URL/,
    ],
    [
      'a long URL',
      { ...valid, url: `https://x.test/${'a'.repeat(2048)}` },
      /at most 2048 characters/,
    ],
    [
      'a URL with credentials',
      { ...valid, url: 'https://bot:hunter22@sonar.test/' },
      /"url" must not carry credentials/,
    ],
    [
      'data that is a string',
      { ...valid, data: 'big' },
      /"data" must be a plain JSON object, not "big"/,
    ],
    [
      'data that is an array',
      { ...valid, data: [1] },
      /"data" must be a plain JSON object, not an array/,
    ],
    [
      'data that is a Date',
      { ...valid, data: new Date() },
      /"data" must be a plain JSON object/,
    ],
    [
      'a Date in data',
      { ...valid, data: { at: new Date() } },
      /"data.at" must hold only strings, numbers/,
    ],
    [
      'a function in data',
      { ...valid, data: { f: () => 1 } },
      /"data.f" must hold only .* not function/,
    ],
    [
      'Infinity in data',
      { ...valid, data: { n: [1, Infinity] } },
      /"data.n\[1\]" must be a finite number, not Infinity/,
    ],
    [
      'data nested too deep',
      { ...valid, data: { a: { b: { c: { d: { e: 1 } } } } } },
      /"data.a.b.c.d" nests deeper than 4 levels/,
    ],
    [
      'data over 4 KiB',
      { ...valid, data: { text: 'é'.repeat(2100) } },
      /"data" must be at most 4096 bytes as JSON, not 42\d\d/,
    ],
  ])('refuses %s', (_what, value, message) => {
    expect(problem(value)).toMatch(message);
  });

  it('says what the limits are', () => {
    expect(PIPELINE_STEP_REPORT_LIMITS).toMatchObject({
      perStep: 10,
      perRun: 100,
      summaryLength: 500,
    });
  });
});
