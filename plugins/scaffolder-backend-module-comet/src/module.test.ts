import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAction } from '@internal/backend-common/testUtils';
import { scaffolderModuleComet } from './module';
import { PortalRepositories } from './PortalRepositories';

jest.setTimeout(30_000);

describe('scaffolderModuleComet', () => {
  let workDir: string;

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-module-'));
  });

  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function start(comet: object) {
    const actions: TemplateAction<any, any, any>[] = [];
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...added: any[]) => actions.push(...added) },
        ],
      ],
      features: [
        scaffolderModuleComet,
        logger.factory,
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Group',
              metadata: { name: 'team-a', namespace: 'default' },
              spec: { type: 'team', children: [] },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: { backend: { baseUrl: 'http://localhost:7007' }, comet },
        }),
      ],
    });
    return { actions, logger, backend };
  }

  it('adds comet:service:check and comet:repo:create, which check and create a repository where the example repositories are served', async () => {
    const sourceDir = path.join(workDir, 'examples', 'projects');
    const { actions, backend } = await start({
      exampleRepos: { sourceDir, targetDir: path.join(workDir, 'served') },
    });
    try {
      expect(actions.map(a => [a.id, a.supportsDryRun])).toEqual([
        ['comet:service:check', true],
        ['comet:repo:create', true],
      ]);
      const [check, create] = actions;
      const { output: checked } = await runAction(check, {
        name: 'payouts-api',
        owner: 'team-a',
        repoHost: 'portal',
      });
      expect(checked).toMatchObject({ resume: false, registered: false });

      const workspace = path.join(workDir, 'workspace');
      fs.mkdirSync(workspace);
      fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), 'kind: x\n');
      const { output } = await runAction(
        create,
        { name: 'payouts-api', entityRef: 'component:default/payouts-api' },
        { workspacePath: workspace },
      );
      expect(output.remoteUrl).toBe(
        'http://localhost:7007/api/example-repos/payouts-api.git',
      );
      const clone = path.join(workDir, 'clone');
      execFileSync('git', [
        'clone',
        '--quiet',
        path.join(workDir, 'served', 'payouts-api.git'),
        clone,
      ]);
      expect(
        fs.readFileSync(path.join(clone, 'catalog-info.yaml'), 'utf8'),
      ).toBe('kind: x\n');

      // The next run of the template sees its own repository
      const { output: again } = await runAction(check, {
        name: 'payouts-api',
        owner: 'team-a',
        repoHost: 'portal',
      });
      expect(again).toMatchObject({ resume: true, registered: false });
    } finally {
      await backend.stop();
    }
  });

  it('without comet.exampleRepos says once that comet:repo:create is off, and the action names the key', async () => {
    const { actions, logger, backend } = await start({});
    try {
      expect(logger.info).toHaveBeenCalledWith(
        'comet:repo:create is off: set comet.exampleRepos.sourceDir for the portal to serve the repositories templates create',
      );
      const create = actions.find(a => a.id === 'comet:repo:create')!;
      await expect(
        runAction(
          create,
          { name: 'payouts-api', entityRef: 'component:default/payouts-api' },
          { workspacePath: workDir },
        ),
      ).rejects.toThrow('comet.exampleRepos.sourceDir is not set');
    } finally {
      await backend.stop();
    }
  });
});

describe('PortalRepositories.fromConfig', () => {
  it("uses the example-repos plugin's folder: targetDir, or .data/git two levels above sourceDir", () => {
    const base = { backend: { baseUrl: 'http://portal.example.com:7007/' } };
    expect(PortalRepositories.fromConfig(new ConfigReader(base))).toBe(
      undefined,
    );
    const byDefault = PortalRepositories.fromConfig(
      new ConfigReader({
        ...base,
        comet: { exampleRepos: { sourceDir: '/srv/comet/examples/projects' } },
      }),
    )!;
    expect(byDefault.root).toBe('/srv/comet/.data/git');
    expect(byDefault.urls('svc')).toEqual({
      remoteUrl: 'http://portal.example.com:7007/api/example-repos/svc.git',
      sourceLocation:
        'url:http://portal.example.com:7007/api/example-repos/svc.git',
      catalogInfoUrl:
        'http://portal.example.com:7007/api/example-repos/svc.git/raw/main/catalog-info.yaml',
    });
    const explicit = PortalRepositories.fromConfig(
      new ConfigReader({
        ...base,
        comet: {
          exampleRepos: { sourceDir: '/srv/examples', targetDir: '/var/git' },
        },
      }),
    )!;
    expect(explicit.root).toBe('/var/git');
  });
});
