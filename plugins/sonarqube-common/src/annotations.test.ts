import { parseProjectKeyAnnotation, stringifyProjectRef } from './annotations';

describe('parseProjectKeyAnnotation', () => {
  it('reads one key, instance-qualified keys and lists', () => {
    expect(parseProjectKeyAnnotation('acme_payments-api')).toEqual({
      ok: true,
      projects: [{ projectKey: 'acme_payments-api' }],
    });
    expect(
      parseProjectKeyAnnotation(
        ' sonarcloud/acme:web , acme_api,acme_api, legacy/acme.api',
      ),
    ).toEqual({
      ok: true,
      projects: [
        { instance: 'sonarcloud', projectKey: 'acme:web' },
        { projectKey: 'acme_api' },
        { instance: 'legacy', projectKey: 'acme.api' },
      ],
    });
  });

  it.each([
    [
      '',
      'The annotation sonarqube.org/project-key is empty; expected [instance/]key[,…], e.g. "acme_payments-api" or "sonarcloud/acme_payments-api"',
    ],
    ['a,,b', 'The item 2 of sonarqube.org/project-key "a,,b" is empty'],
    [
      'a/b/c',
      'The item 1 of sonarqube.org/project-key "a/b/c" has more than one "/"; expected [instance/]key, e.g. "acme_payments-api" or "sonarcloud/acme_payments-api"',
    ],
    [
      'x, my key',
      'The item 2 of sonarqube.org/project-key "x, my key" has the project key "my key", which SonarQube does not allow (letters, digits, "-", "_", "." and ":", with at least one non-digit)',
    ],
    [
      '12345',
      'The item 1 of sonarqube.org/project-key "12345" has the project key "12345", which SonarQube does not allow (letters, digits, "-", "_", "." and ":", with at least one non-digit)',
    ],
    [
      'my instance/key',
      'The item 1 of sonarqube.org/project-key "my instance/key" names the instance "my instance", which is not a valid instance name (letters, digits, "-", "_", ".")',
    ],
  ])('rejects %j with a precise message', (value, message) => {
    expect(parseProjectKeyAnnotation(value)).toEqual({ ok: false, message });
  });
});

describe('stringifyProjectRef', () => {
  it('names a project as the annotation does, and round-trips through the parser', () => {
    expect(stringifyProjectRef({ projectKey: 'acme_api' })).toBe('acme_api');
    expect(
      stringifyProjectRef({ instance: 'sonarcloud', projectKey: 'acme:web' }),
    ).toBe('sonarcloud/acme:web');

    const parsed = parseProjectKeyAnnotation('sonarcloud/acme:web,acme_api');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.projects.map(stringifyProjectRef).join(',')).toBe(
      'sonarcloud/acme:web,acme_api',
    );
  });
});
