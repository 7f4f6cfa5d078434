import { ConfigReader } from '@backstage/config';
import { GitRemotePolicy, exampleReposPrefix } from './GitRemotePolicy';

describe('GitRemotePolicy', () => {
  const policy = GitRemotePolicy.create({
    allowedHosts: ['git.example.com', '10.0.0.5:8080', 'GitLab.Acme.io:443'],
  });

  it.each([
    [
      'https://git.example.com/acme/a.git',
      'https://git.example.com/acme/a.git',
    ],
    ['http://git.example.com/a', 'http://git.example.com/a'],
    ['https://git.example.com:443/a', 'https://git.example.com/a'],
    ['http://10.0.0.5:8080/a.git', 'http://10.0.0.5:8080/a.git'],
    ['https://gitlab.acme.io/a', 'https://gitlab.acme.io/a'],
    ['https://token@git.example.com/a', 'https://token@git.example.com/a'],
    ['HTTPS://GIT.EXAMPLE.COM/a', 'https://git.example.com/a'],
  ])('allows %s and gives git %s', (url, fetchUrl) => {
    expect(policy.resolve(url)).toEqual({
      fetchUrl,
      shownUrl: expect.any(String),
      local: false,
    });
  });

  it.each([
    ['file:///etc/repo', /only http:\/\/ and https:\/\//],
    ['/var/lib/comet/repo', /only http:\/\/ and https:\/\//],
    ['./repo', /only http/],
    ['ext::sh -c touch% /tmp/pwned', /only http/],
    ['fd::17', /only http/],
    ['ssh://git@git.example.com/a.git', /only http/],
    ['git@git.example.com:acme/a.git', /only http/],
    [
      'http://169.254.169.254/latest/meta-data',
      /host 169\.254\.169\.254:80 is not in pipelines\.git\.allowedHosts/,
    ],
    ['http://127.0.0.1:5432/x', /host 127\.0\.0\.1:5432 is not/],
    ['http://127.1:5432/x', /host 127\.0\.0\.1:5432 is not/],
    ['http://git.example.com:8080/a', /host git\.example\.com:8080 is not/],
    ['https://10.0.0.5/a', /host 10\.0\.0\.5:443 is not/],
    [
      'https://git.example.com.evil.io/a',
      /not in pipelines\.git\.allowedHosts/,
    ],
    ['https://git.example.com@evil.io/a', /host evil\.io:443 is not/],
    ['http://git.example.com\\@evil.io/a', /backslashes/],
    ['http://git.example.com/a b', /spaces/],
    ['https://[::1]:7007/a', /host \[::1\]:7007 is not/],
  ])('refuses %s', (url, message) => {
    expect(() => policy.resolve(url)).toThrow(message);
    expect(() => policy.resolve(url)).toThrow(/^Repository URL /);
  });

  it('names the URL without its credentials', () => {
    expect(() =>
      policy.resolve('https://bot:s3cr3t@169.254.169.254/x.git'),
    ).toThrow(
      'Repository URL https://***@169.254.169.254/x.git is not allowed: the host 169.254.169.254:443 is not in pipelines.git.allowedHosts (add it there to allow it)',
    );
  });

  it('checks the URL after the rewrites, and names both', () => {
    const rewriting = GitRemotePolicy.create({
      allowedHosts: ['mirror.internal'],
      gitUrlRewrites: [
        { from: 'https://github.com/', to: 'https://mirror.internal/gh/' },
        { from: 'https://github.com/evil/', to: 'http://127.0.0.1:6379/' },
        { from: 'https://gitlab.com/', to: '/srv/git/' },
      ],
    });
    expect(rewriting.resolve('https://github.com/acme/a.git')).toEqual({
      fetchUrl: 'https://mirror.internal/gh/acme/a.git',
      shownUrl: 'https://github.com/acme/a.git',
      local: false,
    });
    // The longest matching prefix wins, as in git
    expect(() => rewriting.resolve('https://github.com/evil/a.git')).toThrow(
      'Repository URL https://github.com/evil/a.git (rewritten by pipelines.gitUrlRewrites to http://127.0.0.1:6379/a.git) is not allowed: the host 127.0.0.1:6379 is not',
    );
    expect(() => rewriting.resolve('https://gitlab.com/a.git')).toThrow(
      /rewritten by pipelines.gitUrlRewrites to \/srv\/git\/a\.git\) is not allowed: only http/,
    );
    // Not rewritten: github.com itself is not allowed
    expect(() => rewriting.resolve('https://github.com.evil/a')).toThrow(
      /github\.com\.evil:443 is not/,
    );
  });

  it('allows local repositories only when built so in code, never from config', () => {
    const local = GitRemotePolicy.create({ allowLocalRepositories: true });
    expect(local.resolve('/srv/git/a')).toEqual({
      fetchUrl: '/srv/git/a',
      shownUrl: '/srv/git/a',
      local: true,
    });
    expect(local.resolve('file:///srv/git/a').local).toBe(true);
    expect(local.allowedProtocols).toBe('http:https:file');
    expect(() => local.resolve('ext::sh')).toThrow(/only http/);
    expect(GitRemotePolicy.create().allowedProtocols).toBe('http:https');
  });

  describe('fromConfig', () => {
    it('allows the example repositories under backend.baseUrl, and only those', () => {
      const fromConfig = GitRemotePolicy.fromConfig(
        new ConfigReader({ backend: { baseUrl: 'http://localhost:7007' } }),
      );
      expect(
        fromConfig.resolve(
          'http://localhost:7007/api/example-repos/payments-api.git',
        ).fetchUrl,
      ).toBe('http://localhost:7007/api/example-repos/payments-api.git');
      for (const url of [
        'http://localhost:7007/api/catalog/entities',
        'http://localhost:7007/api/example-repos/../catalog/x',
        'http://localhost:7007/api/example-repos/%2e%2e/catalog/x',
        'http://localhost:7107/api/example-repos/a.git',
        'http://127.0.0.1:7007/api/example-repos/a.git',
        'https://localhost:7007/api/example-repos/a.git',
      ]) {
        expect(() => fromConfig.resolve(url)).toThrow(/is not allowed/);
      }
    });

    it('follows the rewrite to the portal of another port (the e2e portal)', () => {
      const e2e = GitRemotePolicy.fromConfig(
        new ConfigReader({
          backend: { baseUrl: 'http://localhost:7107' },
          pipelines: {
            gitUrlRewrites: [
              {
                from: 'http://localhost:7007/api/example-repos/',
                to: 'http://localhost:7107/api/example-repos/',
              },
            ],
          },
        }),
      );
      expect(
        e2e.resolve('http://localhost:7007/api/example-repos/a.git').fetchUrl,
      ).toBe('http://localhost:7107/api/example-repos/a.git');
      // Without the rewrite, 7007 is another server
      expect(() =>
        GitRemotePolicy.fromConfig(
          new ConfigReader({ backend: { baseUrl: 'http://localhost:7107' } }),
        ).resolve('http://localhost:7007/api/example-repos/a.git'),
      ).toThrow(/localhost:7007 is not in pipelines\.git\.allowedHosts/);
    });

    it('reads pipelines.git.allowedHosts and names a wrong entry', () => {
      const config = (allowedHosts: string[]) =>
        new ConfigReader({ pipelines: { git: { allowedHosts } } });
      expect(
        GitRemotePolicy.fromConfig(config(['git.acme.io'])).resolve(
          'https://git.acme.io/a',
        ).fetchUrl,
      ).toBe('https://git.acme.io/a');
      for (const entry of [
        'https://git.acme.io',
        'git.acme.io/path',
        'user@git.acme.io',
        ' ',
        'git.acme.io:',
        'git.acme.io:http',
      ]) {
        expect(() =>
          GitRemotePolicy.fromConfig(config(['ok.io', entry])),
        ).toThrow(
          `Invalid pipelines.git.allowedHosts[1] ${JSON.stringify(entry)}`,
        );
      }
    });
  });

  it('builds the example repositories prefix from a base URL', () => {
    expect(exampleReposPrefix('http://localhost:7007/')).toBe(
      'http://localhost:7007/api/example-repos/',
    );
    expect(exampleReposPrefix('https://comet.acme.io/portal')).toBe(
      'https://comet.acme.io/portal/api/example-repos/',
    );
  });
});
