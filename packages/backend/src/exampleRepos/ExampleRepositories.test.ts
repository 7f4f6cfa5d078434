import { mockServices } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExampleRepositories } from './ExampleRepositories';

describe('ExampleRepositories', () => {
  let workDir: string;

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-repos-'));
  });
  afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it('commits an example with its own message, which is not part of the tree, once per change', async () => {
    const sourceDir = path.join(workDir, 'projects');
    fs.mkdirSync(path.join(sourceDir, 'with-message'), { recursive: true });
    fs.mkdirSync(path.join(sourceDir, 'plain'), { recursive: true });
    fs.writeFileSync(path.join(sourceDir, 'with-message', 'a.txt'), 'a\n');
    fs.writeFileSync(
      path.join(sourceDir, 'with-message', '.example-commit-message'),
      'PAY-1 Refund in full\n\nDetails\n',
    );
    fs.writeFileSync(path.join(sourceDir, 'plain', 'b.txt'), 'b\n');
    const repositories = ExampleRepositories.create({
      sourceDir,
      targetDir: path.join(workDir, 'git'),
      logger: mockServices.logger.mock(),
    });
    const git = (name: string, ...args: string[]) =>
      execFileSync('git', [
        '--git-dir',
        path.join(workDir, 'git', `${name}.git`),
        ...args,
      ])
        .toString()
        .trim();
    const [plain, withMessage] = await repositories.sync();
    expect(
      git('with-message', 'log', '-1', '--format=%B', withMessage.commit),
    ).toBe('PAY-1 Refund in full\n\nDetails');
    expect(
      git('with-message', 'ls-tree', '--name-only', withMessage.commit),
    ).toBe('a.txt');
    expect(git('plain', 'log', '-1', '--format=%s', plain.commit)).toBe(
      'Update plain example',
    );
    // Nothing changed: no new commit
    const again = await repositories.sync();
    expect(again.map(r => r.commit)).toEqual([
      plain.commit,
      withMessage.commit,
    ]);
  });
});
