import { mockServices } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExampleRepositories, SERVED_LIST_TTL_MS } from './ExampleRepositories';

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

  describe('served', () => {
    /** A bare repository in the served folder, tagged as comet:repo:create tags them. */
    function bare(name: string, entityRef?: string) {
      const gitDir = path.join(workDir, 'git', `${name}.git`);
      execFileSync('git', ['init', '--quiet', '--bare', gitDir]);
      if (entityRef) {
        execFileSync('git', [
          '--git-dir',
          gitDir,
          'config',
          'comet.entity',
          entityRef,
        ]);
      }
    }

    function setUp() {
      const sourceDir = path.join(workDir, 'projects');
      fs.mkdirSync(path.join(sourceDir, 'payments-api'), { recursive: true });
      fs.writeFileSync(path.join(sourceDir, 'payments-api', 'a.txt'), 'a\n');
      let time = 1_000_000;
      const logger = mockServices.logger.mock();
      const repositories = ExampleRepositories.create({
        sourceDir,
        targetDir: path.join(workDir, 'git'),
        logger,
        now: () => time,
      });
      return {
        repositories,
        logger,
        advance: (ms: number) => {
          time += ms;
        },
      };
    }

    it('lists the synced examples and the repositories templates created, reading the folder at most every 2 s', async () => {
      const { repositories, advance } = setUp();
      await repositories.sync();
      bare('stale-example');
      bare('payouts-api', 'component:default/payouts-api');
      fs.mkdirSync(path.join(workDir, 'git', '.creating-ledger-abc.git'));
      fs.writeFileSync(path.join(workDir, 'git', 'notes.git'), 'a file\n');
      expect([...(await repositories.served())].sort()).toEqual([
        'payments-api',
        'payouts-api',
      ]);

      // Created after the last read: not seen until the list is older than 2 s
      bare('ledger', 'component:default/ledger');
      advance(SERVED_LIST_TTL_MS - 1);
      expect((await repositories.served()).has('ledger')).toBe(false);
      advance(1);
      expect((await repositories.served()).has('ledger')).toBe(true);

      // Deleted: gone at the next read
      fs.rmSync(path.join(workDir, 'git', 'payouts-api.git'), {
        recursive: true,
      });
      advance(SERVED_LIST_TTL_MS);
      expect([...(await repositories.served())].sort()).toEqual([
        'ledger',
        'payments-api',
      ]);
    });

    it('serves a repository from the moment it is created, whatever the listed names', async () => {
      const { repositories, advance } = setUp();
      await repositories.sync();
      // The list was read just before the template created its repository
      expect([...(await repositories.served())]).toEqual(['payments-api']);
      bare('payouts-api', 'component:default/payouts-api');
      expect(await repositories.isServed('payouts-api')).toBe(true);
      expect(await repositories.isServed('payments-api')).toBe(true);
      expect(await repositories.isServed('nothing-here')).toBe(false);
      expect(await repositories.isServed('../payments-api')).toBe(false);

      // A folder without a tag is not served, and not asked about again for 2 s
      bare('stale-example');
      expect(await repositories.isServed('stale-example')).toBe(false);
      execFileSync('git', [
        '--git-dir',
        path.join(workDir, 'git', 'stale-example.git'),
        'config',
        'comet.entity',
        'component:default/stale-example',
      ]);
      expect(await repositories.isServed('stale-example')).toBe(false);
      advance(SERVED_LIST_TTL_MS);
      expect(await repositories.isServed('stale-example')).toBe(true);

      // A deleted repository is not served any more
      fs.rmSync(path.join(workDir, 'git', 'payouts-api.git'), {
        recursive: true,
      });
      expect(await repositories.isServed('payouts-api')).toBe(false);
    });

    it('serves nothing extra when the folder does not exist yet', async () => {
      const { repositories } = setUp();
      expect([...(await repositories.served())]).toEqual([]);
    });

    it('does not reuse a failed read', async () => {
      const { repositories } = setUp();
      // The served folder is a file: reading it fails
      fs.writeFileSync(path.join(workDir, 'git'), 'not a folder\n');
      await expect(repositories.served()).rejects.toThrow('ENOTDIR');
      fs.rmSync(path.join(workDir, 'git'));
      fs.mkdirSync(path.join(workDir, 'git'));
      bare('ledger', 'component:default/ledger');
      expect([...(await repositories.served())]).toEqual(['ledger']);
    });

    it("never overwrites a template's repository that has an example's name", async () => {
      const { repositories, logger } = setUp();
      fs.mkdirSync(path.join(workDir, 'git'));
      bare('payments-api', 'component:default/payments-api');
      expect(await repositories.sync()).toEqual([]);
      expect(logger.warn).toHaveBeenCalledWith(
        'Example payments-api is not served: payments-api.git belongs to component:default/payments-api (created by comet:repo:create); rename the example',
      );
      expect(
        execFileSync('git', [
          '--git-dir',
          path.join(workDir, 'git', 'payments-api.git'),
          'for-each-ref',
        ]).toString(),
      ).toBe('');
      // Still served, as the template's repository
      expect([...(await repositories.served())]).toEqual(['payments-api']);
    });
  });
});
