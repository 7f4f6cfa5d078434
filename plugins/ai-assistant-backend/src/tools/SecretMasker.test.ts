import { mockServices } from '@backstage/backend-test-utils';
import { MASK, SecretMasker } from './SecretMasker';

describe('SecretMasker', () => {
  const config = mockServices.rootConfig({
    data: {
      backend: {
        auth: { keys: [{ secret: 'backend-signing-secret-1' }] },
        database: { connection: { password: 'pg-password-9' } },
      },
      jenkins: {
        instances: [
          { name: 'ci', apiKey: 'jenkins-api-key-77', username: 'comet-bot' },
        ],
      },
      sonarqube: { tokenKind: 'Bearer', apiKey: 'squ_0123456789abcdef' },
      github: { token: 'short' },
      aiAssistant: { provider: { apiKey: 'provider-key-abcdef' } },
    },
  });
  const masker = SecretMasker.fromConfig(config, ['extra-literal-value']);

  it('masks every secret of the config, wherever it appears', () => {
    const log = [
      'Signing with backend-signing-secret-1',
      'psql -W pg-password-9',
      'curl -u comet-bot:jenkins-api-key-77 https://jenkins/job',
      'sonar.token=squ_0123456789abcdef',
      'sent provider-key-abcdef and extra-literal-value',
    ].join('\n');
    const masked = masker.mask(log);
    for (const secret of [
      'backend-signing-secret-1',
      'pg-password-9',
      'jenkins-api-key-77',
      'squ_0123456789abcdef',
      'provider-key-abcdef',
      'extra-literal-value',
    ]) {
      expect(masked).not.toContain(secret);
    }
    expect(masked).toContain('comet-bot');
  });

  it('leaves settings that only name a secret’s kind, and values too short or too common', () => {
    expect(masker.mask('Authorization uses Bearer tokens; short is fine')).toBe(
      'Authorization uses Bearer tokens; short is fine',
    );
  });

  it.each([
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', MASK],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', MASK],
    ['glpat-abcdefghij0123456789', MASK],
    ['npm_abcdefghijklmnopqrstuvwxyz0123456789', MASK],
    ['sk-proj-abcdefghijklmnopqrstuvwxyz012345', MASK],
    ['xoxb-123456789012-abcdefghij', MASK],
    ['ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz', MASK],
    ['AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', MASK],
    ['sk_live_abcdefghijklmnop1234', MASK],
    ['AKIAIOSFODNN7EXAMPLE', MASK],
    [
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvYWRhIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
      MASK,
    ],
    ['https://hooks.slack.com/services/T000/B000/XXXXXXXX', MASK],
    ['Authorization: Bearer abc.def.ghi-jkl', `Authorization: Bearer ${MASK}`],
    [
      '"authorization": "Basic dXNlcjpwYXNz"',
      `"authorization": "Basic ${MASK}"`,
    ],
    ['using bearer 0123456789abcdefXYZ', `using bearer ${MASK}`],
    ['DB_PASSWORD=hunter22', `DB_PASSWORD=${MASK}`],
    ['"apiKey": "abcd1234"', `"apiKey": "${MASK}"`],
    ['client_secret: s3cr3t-value', `client_secret: ${MASK}`],
    [
      'git clone https://ci:tok3n@git.example.com/repo.git',
      `git clone https://ci:${MASK}@git.example.com/repo.git`,
    ],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----',
      MASK,
    ],
  ])('masks the known token format of %s', (text, expected) => {
    expect(masker.mask(text)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text =
      'The tokens: 42 prompt_tokens were used; the password is wrong; see https://ci.example.com/job/1';
    expect(masker.mask(text)).toBe(text);
  });

  it('masks strings inside JSON values, keys included, keeping the shape', () => {
    expect(
      masker.maskJson({
        log: ['ok', 'token=abcdef123'],
        count: 3,
        nested: { ok: true, none: null, 'pg-password-9': 'x' },
      }),
    ).toEqual({
      log: ['ok', `token=${MASK}`],
      count: 3,
      nested: { ok: true, none: null, [MASK]: 'x' },
    });
    expect(masker.maskJson(undefined)).toBeUndefined();
  });

  it('works without any configured secret', () => {
    const empty = SecretMasker.fromConfig(
      mockServices.rootConfig({ data: {} }),
    );
    expect(empty.mask('plain text')).toBe('plain text');
    expect(empty.mask('x ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe(
      `x ${MASK}`,
    );
  });
});
