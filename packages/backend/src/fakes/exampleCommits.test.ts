import { ConfigReader } from '@backstage/config';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exampleCommitSource, exampleReposDir } from './exampleCommits';

describe('exampleCommitSource', () => {
  let dir: string;
  let sha: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-commits-'));
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          GIT_AUTHOR_NAME: 'Comet Examples',
          GIT_AUTHOR_EMAIL: 'examples@comet.invalid',
          GIT_AUTHOR_DATE: '2026-11-30T12:00:00Z',
          GIT_COMMITTER_NAME: 'Comet Examples',
          GIT_COMMITTER_EMAIL: 'examples@comet.invalid',
        },
      })
        .toString()
        .trim();
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(work, 'README.md'), '# Payments\n');
    git('add', '.');
    git('commit', '-q', '-m', 'Seed the payments API\n\nWith a body.');
    sha = git('rev-parse', 'HEAD');
    execFileSync('git', [
      'clone',
      '-q',
      '--bare',
      work,
      path.join(dir, 'payments-api.git'),
    ]);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a commit of comet-examples/<name> from <name>.git', async () => {
    const source = exampleCommitSource(dir);
    await expect(
      source('comet-examples', 'payments-api', sha),
    ).resolves.toEqual({
      message: 'Seed the payments API\n\nWith a body.',
      author: {
        name: 'Comet Examples',
        email: 'examples@comet.invalid',
        date: '2026-11-30T12:00:00Z',
      },
    });
  });

  it('knows nothing else: other owners, names, unknown or malformed SHAs', async () => {
    const source = exampleCommitSource(dir);
    await expect(source('someone', 'payments-api', sha)).resolves.toBe(
      undefined,
    );
    await expect(source('comet-examples', 'ledger', sha)).resolves.toBe(
      undefined,
    );
    await expect(
      source('comet-examples', '../payments-api', sha),
    ).resolves.toBe(undefined);
    await expect(
      source('comet-examples', 'payments-api', 'f'.repeat(40)),
    ).resolves.toBe(undefined);
    await expect(
      source('comet-examples', 'payments-api', 'HEAD'),
    ).resolves.toBe(undefined);
  });

  it('finds the example repositories where the example-repos plugin keeps them', () => {
    expect(exampleReposDir(new ConfigReader({}))).toBeUndefined();
    expect(
      exampleReposDir(
        new ConfigReader({
          comet: {
            exampleRepos: { sourceDir: '/srv/comet/examples/projects' },
          },
        }),
      ),
    ).toBe('/srv/comet/.data/git');
    expect(
      exampleReposDir(
        new ConfigReader({
          comet: {
            exampleRepos: { sourceDir: '/srv/x', targetDir: '/var/git' },
          },
        }),
      ),
    ).toBe('/var/git');
  });
});
