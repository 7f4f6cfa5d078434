import { redactCredentials, redactUrl } from './redactUrl';

describe('redactUrl', () => {
  it.each([
    ['https://token@host/x.git', 'https://***@host/x.git'],
    ['https://user:s3cr3t@host/x.git', 'https://***@host/x.git'],
    ['ssh://git@host/x.git', 'ssh://git@host/x.git'],
    ['ssh://git:s3cr3t@host/x.git', 'ssh://git:***@host/x.git'],
    ['https://host/x.git', 'https://host/x.git'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('redactCredentials', () => {
  it('hides the URL, its user info and its password wherever git printed them', () => {
    const url = 'https://user:s3cr3t@host/x.git';
    const text = `fatal: ${url} failed; s3cr3t rejected for user:s3cr3t`;
    const redacted = redactCredentials(text, url);
    expect(redacted).toBe(
      'fatal: https://***@host/x.git failed; *** rejected for ***',
    );
  });
});
