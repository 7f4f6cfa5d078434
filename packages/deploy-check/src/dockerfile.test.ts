import { parseDockerfile, parseDockerfileInstructions } from './dockerfile';
import { readRepoFile } from './__testUtils__/cometDeploy';

describe('parseDockerfile', () => {
  it("reads Comet's Dockerfile: pins, runtime stage, command", () => {
    const facts = parseDockerfile(readRepoFile('deploy/Dockerfile')!);
    expect(facts.globalArgs.get('NODE_VERSION')).toMatch(/^(22|24)\./);
    expect(facts.globalArgs.get('YARN_VERSION')).toMatch(/^4\./);
    expect(facts.workdir).toBe('/app/packages/backend');
    expect(facts.user).toBe('1000:1000');
    expect(facts.exposedPorts).toEqual([7007, 9464]);
    expect(facts.entrypoint).toEqual(['/usr/bin/tini', '--', 'node', '.']);
    expect(facts.cmd).toEqual([
      '--config',
      '../../app-config.yaml',
      '--config',
      '../../app-config.production.yaml',
    ]);
    expect(facts.healthcheck).toContain('/.backstage/health/v1/readiness');
    // bubblewrap for the step sandbox, git for checkouts, in the runtime image
    const apt = facts.runtime.find(i => i.value.includes('apt-get install'));
    expect(apt?.value).toMatch(/bubblewrap/);
    expect(apt?.value).toMatch(/\bgit\b/);
  });

  it('joins continuation lines, drops comments, reads shell-form commands', () => {
    const text = [
      'ARG BASE=debian:12',
      'FROM ${BASE} AS build',
      'RUN echo one \\',
      '  # a comment inside',
      '  && echo two',
      'FROM debian:12-slim',
      'workdir /srv',
      'EXPOSE 80/tcp 443',
      'CMD node server.js',
      '',
    ].join('\n');
    expect(
      parseDockerfileInstructions(text).map(i => [
        i.instruction,
        i.value,
        i.line,
      ]),
    ).toEqual([
      ['ARG', 'BASE=debian:12', 1],
      ['FROM', '${BASE} AS build', 2],
      ['RUN', 'echo one    && echo two', 3],
      ['FROM', 'debian:12-slim', 6],
      ['WORKDIR', '/srv', 7],
      ['EXPOSE', '80/tcp 443', 8],
      ['CMD', 'node server.js', 9],
    ]);
    const facts = parseDockerfile(text);
    expect(facts.globalArgs).toEqual(new Map([['BASE', 'debian:12']]));
    expect(facts.runtime).toHaveLength(3);
    expect(facts.exposedPorts).toEqual([80, 443]);
    // shell form: not an exec array
    expect(facts.cmd).toBeUndefined();
    expect(facts.user).toBeUndefined();
  });
});
