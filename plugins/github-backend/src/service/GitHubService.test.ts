import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { GitHubFake } from '@internal/plugin-github-node/testUtils';
import {
  component,
  repoSeeds,
  testClientFactory,
  TOKEN,
} from '../__testUtils__/fixtures';
import { branchSlugOf, GitHubService } from './GitHubService';

describe('branchSlugOf', () => {
  it.each([
    ['Fix the build!', 'fix-the-build'],
    ['  Übergröße café  ', 'ubergro-e-cafe'],
    ['***', 'change'],
    ['x'.repeat(50), 'x'.repeat(40)],
    [
      'Split the pipeline into build, test and deploy stages for speed',
      'split-the-pipeline-into-build-test-and',
    ],
  ])('makes %j a branch name part: %j', (title, slug) => {
    expect(branchSlugOf(title)).toBe(slug);
  });
});

describe('GitHubService on GitHub Enterprise Server', () => {
  it('reaches a repository on the host of its source location, under /api/v3', async () => {
    const ghe = await GitHubFake.start({
      enterprise: true,
      repos: repoSeeds(),
      tokens: [{ token: TOKEN }],
    });
    try {
      const service = GitHubService.create({
        factory: testClientFactory(
          new ConfigReader({
            integrations: {
              github: [
                { host: 'ghe.example.com', apiBaseUrl: ghe.url, token: TOKEN },
              ],
            },
          }),
        ),
        catalog: catalogServiceMock({
          entities: [
            component('payments-api', {
              'github.com/project-slug': 'comet-examples/payments-api',
              'backstage.io/source-location':
                'url:https://ghe.example.com/comet-examples/payments-api/tree/main/',
            }),
          ],
        }),
        permissions: mockServices.permissions(),
        auditor: mockServices.auditor.mock(),
      });
      expect(service.config()).toEqual({
        configured: true,
        hosts: ['ghe.example.com', 'github.com'],
      });
      expect(
        await service.repository(mockCredentials.user(), {
          entityRef: 'component:default/payments-api',
        }),
      ).toEqual({
        repository: {
          host: 'ghe.example.com',
          owner: 'comet-examples',
          repo: 'payments-api',
          htmlUrl: 'https://ghe.example.com/comet-examples/payments-api',
          defaultBranch: 'main',
        },
      });
      expect(ghe.calls.map(c => `${c.method} ${c.path}`)).toEqual([
        'GET /repos/comet-examples/payments-api',
      ]);
    } finally {
      await ghe.close();
    }
  });
});
