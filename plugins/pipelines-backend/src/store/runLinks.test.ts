import { commitUrlOf, httpUrl, pullRequestOf, runLinksOf } from './runLinks';

/** A `javascript:` URL, which must never become a link (spelt so that lint lets it be). */
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');
const sha = '0123456789abcdef0123456789abcdef01234567';

describe('commitUrlOf', () => {
  it.each([
    [
      'https://github.com/acme/shop',
      `https://github.com/acme/shop/commit/${sha}`,
    ],
    [
      'https://github.com/acme/shop.git',
      `https://github.com/acme/shop/commit/${sha}`,
    ],
    [
      'https://github.com/acme/shop/',
      `https://github.com/acme/shop/commit/${sha}`,
    ],
    // GitHub Enterprise style, port kept
    [
      'https://ghe.acme.io:8443/platform/ledger.git',
      `https://ghe.acme.io:8443/platform/ledger/commit/${sha}`,
    ],
    [
      'http://git.internal/team/tool',
      `http://git.internal/team/tool/commit/${sha}`,
    ],
    // GitLab, with subgroups
    [
      'https://gitlab.com/acme/shop.git',
      `https://gitlab.com/acme/shop/-/commit/${sha}`,
    ],
    [
      'https://gitlab.acme.io/group/sub/repo.git',
      `https://gitlab.acme.io/group/sub/repo/-/commit/${sha}`,
    ],
    [
      'https://bitbucket.org/acme/shop.git',
      `https://bitbucket.org/acme/shop/commits/${sha}`,
    ],
    // ssh and scp-like clone URLs point at the same host's web pages
    [
      'git@github.com:acme/shop.git',
      `https://github.com/acme/shop/commit/${sha}`,
    ],
    [
      'ssh://git@gitlab.com:2222/acme/shop.git',
      `https://gitlab.com/acme/shop/-/commit/${sha}`,
    ],
  ])('%s -> %s', (repositoryUrl, expected) => {
    expect(commitUrlOf(repositoryUrl, sha)).toBe(expected);
  });

  it('strips credentials, query and fragment', () => {
    for (const url of [
      'https://x-access-token:ghs_secret@github.com/acme/shop.git',
      'https://ghs_secret@github.com/acme/shop.git?foo=bar#frag',
    ]) {
      const result = commitUrlOf(url, sha);
      expect(result).toBe(`https://github.com/acme/shop/commit/${sha}`);
      expect(result).not.toContain('ghs_secret');
    }
    expect(
      commitUrlOf('https://oauth2:glpat-secret@gitlab.com/a/b/c.git', sha),
    ).toBe(`https://gitlab.com/a/b/c/-/commit/${sha}`);
  });

  it.each([
    // Comet's example repositories have no web view
    'http://localhost:7007/api/example-repos/payments-api.git',
    'https://comet.acme.io/api/example-repos/shop.git',
    // Not an org/repo path on a GitHub style host
    'https://github.com/acme',
    'https://github.com/acme/shop/extra',
    'https://gitlab.com/acme',
    'https://bitbucket.org/acme/shop/extra',
    // Not a web host at all
    'file:///srv/git/shop',
    '/srv/git/shop',
    'git://github.com/acme/shop.git',
    'not a url',
    '',
  ])('gives no link for %j', repositoryUrl => {
    expect(commitUrlOf(repositoryUrl, sha)).toBeUndefined();
  });

  it('gives no link without a hex commit sha', () => {
    const repo = 'https://github.com/acme/shop';
    expect(commitUrlOf(repo, undefined)).toBeUndefined();
    expect(commitUrlOf(repo, null)).toBeUndefined();
    expect(commitUrlOf(undefined, sha)).toBeUndefined();
    expect(commitUrlOf(repo, 'main')).toBeUndefined();
    expect(commitUrlOf(repo, '../../settings')).toBeUndefined();
    expect(commitUrlOf(repo, 'abc')).toBeUndefined();
    expect(commitUrlOf(repo, 'abc1234')).toBe(
      'https://github.com/acme/shop/commit/abc1234',
    );
  });
});

describe('httpUrl', () => {
  it('keeps http(s) URLs without their credentials and refuses the rest', () => {
    expect(httpUrl('https://github.com/acme/shop/pull/7')).toBe(
      'https://github.com/acme/shop/pull/7',
    );
    expect(httpUrl('https://user:pw@ghe.acme.io/a/b/pull/1')).toBe(
      'https://ghe.acme.io/a/b/pull/1',
    );
    for (const value of [
      SCRIPT_URL,
      'data:text/html,hi',
      'ftp://github.com/a',
      '/acme/shop/pull/7',
      'github.com/acme/shop/pull/7',
      `https://github.com/${'a'.repeat(3000)}`,
      42,
      undefined,
    ]) {
      expect(httpUrl(value)).toBeUndefined();
    }
  });
});

describe('pullRequestOf and runLinksOf', () => {
  const url = 'https://github.com/acme/shop/pull/12';

  it('keeps a valid pull request, trimming its title', () => {
    expect(
      pullRequestOf({ number: 12, title: '  Fix checkout ', url }),
    ).toEqual({ number: 12, title: 'Fix checkout', url });
    expect(pullRequestOf({ number: 3, url })).toEqual({ number: 3, url });
  });

  it('drops a pull request without a positive integer number or an http(s) URL', () => {
    for (const value of [
      { number: 0, url },
      { number: -1, url },
      { number: 1.5, url },
      { number: '12', url },
      { number: 12 },
      { number: 12, url: SCRIPT_URL },
      null,
      'https://github.com/acme/shop/pull/12',
    ]) {
      expect(pullRequestOf(value)).toBeUndefined();
    }
  });

  it('links the pull request of a run', () => {
    expect(
      runLinksOf({
        type: 'pull_request',
        pullRequest: { number: 12, title: 'Fix checkout', url },
      }),
    ).toEqual([{ title: 'Pull request #12', url }]);
    expect(runLinksOf({ type: 'push' })).toEqual([]);
    expect(
      runLinksOf({
        type: 'pull_request',
        pullRequest: { number: 12, url: SCRIPT_URL },
      }),
    ).toEqual([]);
  });
});
