import { fullSuite, minimalSuite } from './__fixtures__/suites';
import {
  cronProblem,
  formatIssuePath,
  parseTestSuiteDefinition,
  TestSuiteValidationError,
  validateTestSuiteDefinition,
} from './schema';

/** A deep copy to break, so each case starts from a valid suite. */
function suite(): any {
  return JSON.parse(JSON.stringify(fullSuite));
}

function issuesOf(value: unknown): Array<{ path: string; message: string }> {
  try {
    parseTestSuiteDefinition(value);
  } catch (error) {
    expect(error).toBeInstanceOf(TestSuiteValidationError);
    return (error as TestSuiteValidationError).issues;
  }
  throw new Error('expected the suite to be invalid');
}

describe('parseTestSuiteDefinition', () => {
  it('accepts suites with every step kind and returns them unchanged', () => {
    expect(parseTestSuiteDefinition(suite())).toEqual(fullSuite);
    expect(parseTestSuiteDefinition(minimalSuite)).toEqual(minimalSuite);
  });

  it('names the path of a wrong field deep inside a step', () => {
    const value = suite();
    value.tests[0].steps[3].target.locator.role = 'Button!';
    expect(issuesOf(value)).toEqual([
      {
        path: 'tests[0].steps[3].target.locator.role',
        message: 'must be an ARIA role in lower case, e.g. button',
      },
    ]);
  });

  it('lists every problem in the error message', () => {
    const value = suite();
    value.name = 'Storefront';
    value.tests[1].name = '  ';
    let error: unknown;
    try {
      parseTestSuiteDefinition(value);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe(
      'Invalid test suite: name: must be lower-case letters, digits and dashes (at most 64), e.g. storefront-checkout; tests[1].name: the test name must not be empty',
    );
    expect((error as Error).name).toBe('TestSuiteValidationError');
  });

  it('rejects unknown keys everywhere, so typos are caught', () => {
    const value = suite();
    value.baseURL = value.baseUrl;
    value.tests[0].steps[1].vlaue = 'x';
    value.tests[0].steps[3].target.locator.nme = 'x';
    expect(issuesOf(value)).toEqual([
      { path: 'tests[0].steps[1].vlaue', message: 'unknown key "vlaue"' },
      {
        path: 'tests[0].steps[3].target.locator.nme',
        message: 'unknown key "nme"',
      },
      { path: 'baseURL', message: 'unknown key "baseURL"' },
    ]);
  });

  it('says what is missing or of the wrong type', () => {
    expect(issuesOf({ name: 'x', tests: {} })).toEqual([
      { path: 'baseUrl', message: 'is required' },
      { path: 'tests', message: 'must be an array, not an object' },
    ]);
    expect(issuesOf('suite')).toEqual([
      { path: '', message: 'must be an object, not a string' },
    ]);
    expect(issuesOf(null)).toEqual([
      { path: '', message: 'must be an object, not null' },
    ]);
    const value = suite();
    value.tests[0].steps[0].url = 5;
    value.tests[0].steps[8].checked = 'yes';
    value.stepTimeoutMs = [1];
    value.tests[0].steps[7].values = [true];
    expect(issuesOf(value)).toEqual([
      { path: 'stepTimeoutMs', message: 'must be a number, not an array' },
      {
        path: 'tests[0].steps[0].url',
        message: 'must be a string, not a number',
      },
      {
        path: 'tests[0].steps[7].values[0]',
        message: 'must be a string, not a boolean',
      },
      {
        path: 'tests[0].steps[8].checked',
        message: 'must be a boolean, not a string',
      },
    ]);
  });

  it('names the allowed actions, locator kinds and enum values', () => {
    const value = suite();
    value.tests[0].steps[0].action = 'clik';
    value.tests[0].steps[1].target.locator.kind = 'xpath';
    value.tests[0].steps[11].state = 'gone';
    const issues = issuesOf(value);
    expect(issues).toEqual([
      {
        path: 'tests[0].steps[0].action',
        message:
          'must be one of "navigate", "click", "fill", "press", "select", "check", "upload", "waitFor", "assertVisible", "assertText", "assertValue", "assertChecked", "assertUrl", "assertScreenshot"',
      },
      {
        path: 'tests[0].steps[1].target.locator.kind',
        message:
          'must be one of "testId", "role", "placeholder", "label", "altText", "text", "title", "css"',
      },
      {
        path: 'tests[0].steps[11].state',
        message: 'must be one of "visible", "hidden", "attached", "detached"',
      },
    ]);
  });

  it('checks suite and test names, urls, ports, commands and timeouts', () => {
    const value = suite();
    value.baseUrl = 'ftp://example.test';
    value.webServer.port = 70000;
    value.webServer.command = ' ';
    value.webServer.readyUrl = '/ready';
    value.webServer.cwd = '../elsewhere';
    value.webServer.env = { 'BAD-NAME': 'x' };
    value.stepTimeoutMs = 600001;
    value.tests[0].id = 'Pays';
    // eslint-disable-next-line no-script-url
    value.tests[0].steps[0].url = 'javascript:alert(1)';
    value.tests[0].steps[0].timeoutMs = 0;
    value.tests[0].steps[1].timeoutMs = 1.5;
    value.testIdAttribute = 'data test';
    expect(issuesOf(value)).toEqual([
      {
        path: 'baseUrl',
        message: 'must be an absolute http(s) URL, e.g. http://localhost:3000',
      },
      { path: 'webServer.command', message: 'the command must not be empty' },
      { path: 'webServer.port', message: 'must be a port from 1 to 65535' },
      {
        path: 'webServer.readyUrl',
        message: 'must be an absolute http(s) URL, e.g. http://localhost:3000',
      },
      {
        path: 'webServer.cwd',
        message:
          'must be a path inside the repository, relative to its root, without ".."',
      },
      {
        path: 'webServer.env["BAD-NAME"]',
        message: 'must be an environment variable name',
      },
      {
        path: 'stepTimeoutMs',
        message: 'must be at most 600000 ms (10 minutes)',
      },
      {
        path: 'testIdAttribute',
        message: 'must be an HTML attribute name, e.g. data-testid',
      },
      {
        path: 'tests[0].id',
        message:
          'must be lower-case letters, digits and dashes (at most 64), e.g. storefront-checkout',
      },
      { path: 'tests[0].steps[0].timeoutMs', message: 'must be at least 1 ms' },
      {
        path: 'tests[0].steps[0].url',
        message:
          'must be an http(s) URL or a path relative to the base URL, e.g. /checkout',
      },
      {
        path: 'tests[0].steps[1].timeoutMs',
        message: 'must be a whole number of milliseconds',
      },
    ]);
  });

  it('checks nth, thresholds, screenshot names, secrets and upload file names', () => {
    const value = suite();
    value.tests[0].steps[3].target.fallbacks[1].nth = -1;
    value.tests[0].steps[22].threshold = 1.5;
    value.tests[0].steps[22].maxDiffPixelRatio = -0.1;
    value.tests[0].steps[21].name = 'Receipt.png';
    value.tests[0].steps[10].files = ['../etc/passwd', 'ok.txt', '..'];
    value.secrets = ['PASSWORD', 'api_token'];
    expect(issuesOf(value)).toEqual([
      {
        path: 'secrets[1]',
        message:
          'must be upper-case letters, digits and underscores, starting with a letter (at most 64), e.g. PASSWORD',
      },
      {
        path: 'tests[0].steps[3].target.fallbacks[1].nth',
        message: 'must be 0 or more',
      },
      {
        path: 'tests[0].steps[10].files[0]',
        message: 'must be the name of a file stored with the suite, not a path',
      },
      {
        path: 'tests[0].steps[10].files[2]',
        message: 'must be the name of a file stored with the suite, not a path',
      },
      {
        path: 'tests[0].steps[21].name',
        message:
          'must be lower-case letters, digits and dashes, e.g. cart-summary',
      },
      {
        path: 'tests[0].steps[22].threshold',
        message: 'must be between 0 and 1',
      },
      {
        path: 'tests[0].steps[22].maxDiffPixelRatio',
        message: 'must be between 0 and 1',
      },
    ]);
  });

  it('requires unique test ids, step ids within a test and screenshot names within a test', () => {
    const value = suite();
    value.tests[1].id = 'pays-with-card';
    value.tests[1].steps = [
      { id: 's1', action: 'assertScreenshot', name: 'receipt' },
    ];
    value.tests.push({
      id: 'third',
      name: 'Third',
      steps: [
        { id: 'a', action: 'assertScreenshot', name: 'same' },
        { id: 'a', action: 'assertScreenshot', name: 'same' },
      ],
    });
    expect(issuesOf(value)).toEqual([
      {
        path: 'tests[1].id',
        message: 'test id "pays-with-card" is already used by tests[0]',
      },
      {
        path: 'tests[2].steps[1].id',
        message: 'step id "a" is already used by steps[0] of this test',
      },
      {
        path: 'tests[2].steps[1].name',
        message:
          'screenshot name "same" is already used by steps[0] of this test',
      },
    ]);
  });

  it('requires exactly one of value and secret on fill, and only listed secrets', () => {
    const value = suite();
    value.tests[0].steps[1].secret = 'PASSWORD';
    delete value.tests[0].steps[2].secret;
    value.tests[0].steps.push({
      id: 'extra',
      action: 'fill',
      target: { locator: { kind: 'label', value: 'Token' } },
      secret: 'API_TOKEN',
    });
    value.secrets.push('PASSWORD');
    expect(issuesOf(value)).toEqual([
      { path: 'secrets[1]', message: 'secret "PASSWORD" is listed twice' },
      {
        path: 'tests[0].steps[1].secret',
        message: 'a fill step has either value or secret, not both',
      },
      {
        path: 'tests[0].steps[2].value',
        message: 'a fill step needs either value or secret',
      },
      {
        path: 'tests[0].steps[23].secret',
        message: 'secret "API_TOKEN" is not listed in the suite\'s secrets',
      },
    ]);
  });

  it('reports structural and cross-field problems together', () => {
    const value = suite();
    value.tests[0].steps[0].url = '';
    value.tests[1].id = 'pays-with-card';
    expect(issuesOf(value).map(issue => issue.path)).toEqual([
      'tests[0].steps[0].url',
      'tests[1].id',
    ]);
  });

  it('skips cross-field checks on parts that are not objects', () => {
    const value = suite();
    value.tests[0].steps[0] = 'navigate';
    value.tests[1] = 7;
    value.tests.push({ id: 'x', name: 'x', steps: 'none' });
    value.secrets = 'PASSWORD';
    expect(issuesOf(value).map(issue => issue.path)).toEqual([
      'secrets',
      'tests[0].steps[0]',
      'tests[1]',
      'tests[2].steps',
      'tests[0].steps[2].secret',
    ]);
  });
});

describe('validateTestSuiteDefinition', () => {
  it('returns the issues without throwing', () => {
    expect(validateTestSuiteDefinition(minimalSuite)).toEqual({
      definition: minimalSuite,
      issues: [],
    });
    expect(validateTestSuiteDefinition({}).definition).toBeUndefined();
  });
});

describe('formatIssuePath', () => {
  it('writes indexes in brackets and odd keys quoted', () => {
    expect(formatIssuePath(['tests', 1, 'steps', 3, 'target'])).toBe(
      'tests[1].steps[3].target',
    );
    expect(formatIssuePath([0, 'a b', 'c'])).toBe('[0]["a b"].c');
    expect(formatIssuePath([])).toBe('');
  });
});

describe('suite schedules', () => {
  const base = {
    name: 'nightly',
    baseUrl: 'http://localhost:3000',
    tests: [],
  };

  it.each([
    ['0 6 * * 1-5'],
    ['*/15 * * * *'],
    ['0,30 8-18 1 jan-jun mon-fri'],
    ['59 23 31 12 7'],
  ])('accepts %s', cron => {
    expect(cronProblem(cron)).toBeUndefined();
    expect(
      validateTestSuiteDefinition({ ...base, schedule: { cron } }).issues,
    ).toEqual([]);
  });

  it.each([
    [
      '0 6 * *',
      'must have 5 fields (minute hour day-of-month month day-of-week), got 4',
    ],
    ['60 * * * *', 'the minute field "60" must be *, a number from 0 to 59'],
    ['0 24 * * *', 'the hour field "24" must be *, a number from 0 to 23'],
    [
      '0 0 0 * *',
      'the day-of-month field "0" must be *, a number from 1 to 31',
    ],
    ['0 0 * 13 *', 'the month field "13" must be *, a number from 1 to 12'],
    ['0 0 * * 9-10', 'the day-of-week field "9-10" must be *'],
    ['0 5-3 * * *', 'the hour field "5-3" must be *'],
    ['*/0 * * * *', 'the minute field "*/0" must be *'],
    ['@daily * * * *', 'the minute field "@daily" must be *'],
  ])('refuses %s', (cron, problem) => {
    expect(cronProblem(cron)).toContain(problem);
    const { issues } = validateTestSuiteDefinition({
      ...base,
      schedule: { cron },
    });
    expect(issues).toEqual([
      { path: 'schedule.cron', message: expect.stringContaining(problem) },
    ]);
  });

  it('checks the time zone and refuses unknown keys', () => {
    expect(
      validateTestSuiteDefinition({
        ...base,
        schedule: { cron: '0 6 * * *', timeZone: 'Europe/Berlin' },
      }).issues,
    ).toEqual([]);
    const { issues } = validateTestSuiteDefinition({
      ...base,
      schedule: { cron: '0 6 * * *', timeZone: 'not a zone', every: '1h' },
    });
    expect(issues.map(issue => issue.path).sort()).toEqual([
      'schedule.every',
      'schedule.timeZone',
    ]);
  });
});
