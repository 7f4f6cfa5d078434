import type { Entity } from '@backstage/catalog-model';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  makeGitRepository,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RepositoryCheckout, repositoryUrlOf } from './RepositoryCheckout';

jest.setTimeout(30_000);

function entityWith(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'storefront-web', namespace: 'default', annotations },
    spec: {},
  };
}

describe('repositoryUrlOf', () => {
  it('strips url: and reduces GitHub tree URLs to the repository', () => {
    expect(
      repositoryUrlOf(
        entityWith({
          'backstage.io/source-location':
            'url:https://github.com/acme/storefront/tree/main/web/',
        }),
      ),
    ).toBe('https://github.com/acme/storefront.git');
    expect(
      repositoryUrlOf(
        entityWith({
          'backstage.io/source-location':
            'url:https://git.example.com/acme/storefront/',
        }),
      ),
    ).toBe('https://git.example.com/acme/storefront');
  });

  it('names the annotation when it is missing', () => {
    expect(() => repositoryUrlOf(entityWith({}))).toThrow(
      'component:default/storefront-web has no backstage.io/source-location annotation',
    );
  });
});

describe('RepositoryCheckout', () => {
  let tmp: string;
  let server: GitHttpServer;
  let commit: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-recorder-checkout-'));
    commit = makeGitRepository(path.join(tmp, 'repos', 'storefront'), {
      'server.js': 'console.log("hello")\n',
    });
    server = await startGitHttpServer({ root: path.join(tmp, 'repos') });
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('checks out the repository into a new folder', async () => {
    const checkout = RepositoryCheckout.create({
      gitRemotePolicy: GitRemotePolicy.create({ allowedHosts: [server.host] }),
    });
    const dir = path.join(tmp, 'run-1', 'repo');
    const result = await checkout.checkout({
      repositoryUrl: server.url('storefront'),
      dir,
      timeoutMs: 20_000,
    });
    expect(result.commit).toBe(commit);
    expect(await fs.readFile(path.join(dir, 'server.js'), 'utf8')).toBe(
      'console.log("hello")\n',
    );
  });

  it('checks out a given commit', async () => {
    const checkout = RepositoryCheckout.create({
      gitRemotePolicy: GitRemotePolicy.create({ allowedHosts: [server.host] }),
    });
    const result = await checkout.checkout({
      repositoryUrl: server.url('storefront'),
      ref: commit,
      dir: path.join(tmp, 'run-2', 'repo'),
      timeoutMs: 20_000,
    });
    expect(result.commit).toBe(commit);
  });

  it('refuses a host that pipelines.git.allowedHosts does not name', async () => {
    const checkout = RepositoryCheckout.create({
      gitRemotePolicy: GitRemotePolicy.create({ allowedHosts: [] }),
    });
    await expect(
      checkout.checkout({
        repositoryUrl: server.url('storefront'),
        dir: path.join(tmp, 'run-3', 'repo'),
        timeoutMs: 20_000,
      }),
    ).rejects.toThrow(/is not in pipelines\.git\.allowedHosts/);
  });

  it('says which repository could not be fetched', async () => {
    const checkout = RepositoryCheckout.create({
      gitRemotePolicy: GitRemotePolicy.create({ allowedHosts: [server.host] }),
    });
    await expect(
      checkout.checkout({
        repositoryUrl: server.url('missing'),
        dir: path.join(tmp, 'run-4', 'repo'),
        timeoutMs: 20_000,
      }),
    ).rejects.toThrow(`Could not fetch ${server.url('missing')}`);
  });
});
