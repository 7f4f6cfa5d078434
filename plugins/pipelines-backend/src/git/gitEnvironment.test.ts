import {
  gitEnvironment,
  isSafeGitRef,
  isSafeRepositoryUrl,
} from './gitEnvironment';

describe('gitEnvironment', () => {
  it('passes only PATH and HOME, never prompts, and applies the URL rewrites', () => {
    expect(
      gitEnvironment({
        path: '/usr/bin',
        home: '/tmp/home',
        gitUrlRewrites: [{ from: 'https://github.com/', to: 'http://mirror/' }],
      }),
    ).toEqual({
      PATH: '/usr/bin',
      HOME: '/tmp/home',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'url.http://mirror/.insteadOf',
      GIT_CONFIG_VALUE_0: 'https://github.com/',
    });
  });

  it('ignores the system config when asked', () => {
    expect(
      gitEnvironment({ path: '/bin', home: '/h', ignoreSystemConfig: true }),
    ).toEqual({
      PATH: '/bin',
      HOME: '/h',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
    });
  });
});

describe('git argument checks', () => {
  it.each([
    ['https://example.com/x.git', true],
    ['--upload-pack=touch /tmp/pwned', false],
    ['', false],
    [undefined, false],
    ['https://example.com/\0x', false],
  ])('repository URL %j is safe: %s', (url, safe) => {
    expect(isSafeRepositoryUrl(url)).toBe(safe);
  });

  it.each([
    ['main', true],
    ['refs/heads/feature-1', true],
    ['-c', false],
    ['', false],
    ['main oops', false],
  ])('ref %j is safe: %s', (ref, safe) => {
    expect(isSafeGitRef(ref)).toBe(safe);
  });
});
