import {
  instanceNamedBy,
  jobFullNameProblem,
  parseJenkinsAnnotation,
  splitJenkinsJobRef,
  stringifyJenkinsJobRef,
} from './annotations';

describe('parseJenkinsAnnotation', () => {
  it('parses jobs on several instances', () => {
    expect(
      parseJenkinsAnnotation(
        'payments/payments-api, legacy:payments/payments-api-nightly',
      ),
    ).toEqual({
      ok: true,
      jobs: [
        {
          instance: 'default',
          jobFullName: 'payments/payments-api',
          source: 'payments/payments-api',
        },
        {
          instance: 'legacy',
          jobFullName: 'payments/payments-api-nightly',
          source: 'legacy:payments/payments-api-nightly',
        },
      ],
    });
  });

  it.each([
    ['', /is empty/],
    ['a,,b', /empty entry/],
    [':job', /invalid instance name/],
    ['bad name!:job', /invalid instance name/],
    ['../admin', /"\." or "\.\."/],
    ['folder/../../script', /"\." or "\.\."/],
    ['folder/%2e%2e/x', /URL-encoded/],
    ['folder%2Fjob', /URL-encoded/],
    ['folder//job', /empty folder segment/],
    ['job?x=1', /"\?"/],
    ['default:http://evil.example.com/job', /looks like a URL/],
  ])('refuses %j', (value, message) => {
    const result = parseJenkinsAnnotation(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});

describe('splitJenkinsJobRef', () => {
  it('tells an entry that names its instance from one that does not', () => {
    expect(splitJenkinsJobRef(' legacy:/payments/api/ ')).toEqual({
      instance: 'legacy',
      jobFullName: 'payments/api',
    });
    expect(splitJenkinsJobRef('payments/api')).toEqual({
      instance: undefined,
      jobFullName: 'payments/api',
    });
    const parsed = parseJenkinsAnnotation('payments/api,legacy:payments/x');
    expect(parsed.ok && parsed.jobs.map(instanceNamedBy)).toEqual([
      undefined,
      'legacy',
    ]);
  });
});

describe('stringifyJenkinsJobRef', () => {
  it('writes the instance:job key that parses back to the same job', () => {
    const key = stringifyJenkinsJobRef({
      instance: 'legacy',
      jobFullName: 'payments/api',
    });
    expect(key).toBe('legacy:payments/api');
    expect(parseJenkinsAnnotation(key)).toEqual({
      ok: true,
      jobs: [{ instance: 'legacy', jobFullName: 'payments/api', source: key }],
    });
  });
});

describe('parseJenkinsAnnotation on a missing value', () => {
  it.each([undefined, '   '])('refuses %p as empty', value => {
    const parsed = parseJenkinsAnnotation(value);
    expect(parsed).toEqual({
      ok: false,
      error: expect.stringContaining('annotation is empty'),
    });
  });
});

describe('jobFullNameProblem', () => {
  it('refuses a name longer than 1000 characters and accepts one of 1000', () => {
    expect(jobFullNameProblem('a'.repeat(1001))).toBe(
      'the job name is too long',
    );
    expect(jobFullNameProblem('a'.repeat(1000))).toBeUndefined();
  });
});
