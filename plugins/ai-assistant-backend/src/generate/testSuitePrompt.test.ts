import {
  initialTestSuiteMessages,
  MAX_SNAPSHOT_CHARS,
  parseGeneratedSuite,
  repairTestSuiteMessages,
} from './testSuitePrompt';

const fixed = { suiteName: 'shop-checkout', baseUrl: 'http://127.0.0.1:4173' };
const valid = {
  tests: [
    {
      id: 'buy',
      name: 'Buy',
      steps: [{ id: 's1', action: 'navigate', url: '/' }],
    },
  ],
};

describe('parseGeneratedSuite', () => {
  it('reads the suite around fences, with the name and base URL given', () => {
    const parsed = parseGeneratedSuite(
      `Sure:\n\`\`\`json\n${JSON.stringify({ ...valid, name: 'x' })}\n\`\`\``,
      fixed,
    );
    expect(parsed).toEqual({
      ok: true,
      definition: { ...valid, name: fixed.suiteName, baseUrl: fixed.baseUrl },
    });
  });

  it('says what is wrong with an answer that is no suite', () => {
    expect(parseGeneratedSuite('no', fixed)).toEqual({
      ok: false,
      problems: ['The answer holds no JSON object'],
    });
    expect(parseGeneratedSuite('{"a": }', fixed)).toMatchObject({
      ok: false,
      problems: [expect.stringContaining("The answer's JSON does not parse")],
    });
  });

  it('refuses secrets, uploads, screenshots and schedules', () => {
    const parsed = parseGeneratedSuite(
      JSON.stringify({
        schedule: { cron: '0 6 * * *' },
        tests: [
          {
            id: 'buy',
            name: 'Buy',
            steps: [
              {
                id: 's1',
                action: 'fill',
                target: { locator: { kind: 'label', value: 'Password' } },
                secret: 'PASSWORD',
              },
              {
                id: 's2',
                action: 'upload',
                target: { locator: { kind: 'label', value: 'File' } },
                files: ['a.txt'],
              },
            ],
          },
        ],
      }),
      fixed,
    );
    expect(parsed.ok).toBe(false);
    const problems = (parsed as { problems: string[] }).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'schedule: a generated suite may not set schedule; it tests the app already running at baseUrl',
        'tests[0].steps[0].secret: a generated suite types literal values, never secrets',
        'tests[0].steps[1].action: a generated suite may not use upload steps',
      ]),
    );
  });
});

describe('test suite prompts', () => {
  it('cuts a long page snapshot, saying so', () => {
    const [, user] = initialTestSuiteMessages({
      description: 'buy a book',
      entityRef: 'component:default/shop',
      ...fixed,
      pageSnapshot: 'x'.repeat(MAX_SNAPSHOT_CHARS + 10),
    });
    const data = JSON.parse(user.content as string);
    expect(data.pageSnapshot).toHaveLength(
      MAX_SNAPSHOT_CHARS +
        `… [cut: ${MAX_SNAPSHOT_CHARS + 10} characters]`.length,
    );
  });

  it('sends a refused run back with the recorder’s error', () => {
    const messages = repairTestSuiteMessages([], 'answer', {
      kind: 'run-refused',
      problem: 'Suite shop-checkout needs secrets without a value: TOKEN',
    });
    expect(messages[0]).toEqual({ role: 'assistant', content: 'answer' });
    expect(messages[1].content).toContain(
      '"error":"Suite shop-checkout needs secrets without a value: TOKEN"',
    );
  });

  it('sends a failed run back with its reason when no test says why', () => {
    const messages = repairTestSuiteMessages([], 'answer', {
      kind: 'run-failed',
      runId: 'run-9',
      reason: 'the page at baseUrl did not answer',
      failures: [],
    });
    expect(messages[1].content).toContain(
      '"reason":"the page at baseUrl did not answer"',
    );
  });
});
