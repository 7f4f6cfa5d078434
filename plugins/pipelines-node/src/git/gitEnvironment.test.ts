import {
  gitEnvironment,
  gitSafetyArgs,
  isSafeGitRef,
  isSafeRepositoryUrl,
} from './gitEnvironment';

describe('gitEnvironment', () => {
  it('passes only PATH and a private HOME, reads no system or global config, never prompts', () => {
    expect(
      gitEnvironment({
        path: '/usr/bin',
        home: '/tmp/home',
        allowedProtocols: 'http:https',
      }),
    ).toEqual({
      PATH: '/usr/bin',
      HOME: '/tmp/home',
      XDG_CONFIG_HOME: '/tmp/home',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      GIT_LFS_SKIP_SMUDGE: '1',
      GIT_ALLOW_PROTOCOL: 'http:https',
    });
  });

  it('turns off redirects, the file transport, submodules and hooks on the command line', () => {
    const args = gitSafetyArgs();
    const settings = args.filter((_, i) => i % 2 === 1);
    expect(args.filter((_, i) => i % 2 === 0)).toEqual(
      settings.map(() => '-c'),
    );
    expect(settings).toEqual(
      expect.arrayContaining([
        'http.followRedirects=false',
        'protocol.file.allow=never',
        'submodule.recurse=false',
        'fetch.recurseSubmodules=false',
      ]),
    );
    expect(gitSafetyArgs({ allowFile: true })).toContain(
      'protocol.file.allow=always',
    );
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
