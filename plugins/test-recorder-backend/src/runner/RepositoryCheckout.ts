import {
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { GitCheckout, GitRemotePolicy } from '@internal/plugin-pipelines-node';
import { promises as fs } from 'node:fs';

/**
 * The git URL of an entity's repository, from `backstage.io/source-location` as the pipelines
 * plugin reads it: `url:` stripped, a GitHub-style `/tree/<ref>/<path>` (or `blob`, `src`)
 * reduced to the repository. An `InputError` naming the annotation when it is missing.
 */
export function repositoryUrlOf(entity: Entity): string {
  const location = entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
  if (!location) {
    throw new InputError(
      `${stringifyEntityRef(
        entity,
      )} has no ${ANNOTATION_SOURCE_LOCATION} annotation, so there is no repository to start the suite's web server from`,
    );
  }
  const target = location.replace(/^url:/, '');
  // https://github.com/org/repo/tree/main/path -> https://github.com/org/repo.git
  const tree =
    /^(https?:\/\/[^/]+\/[^/]+\/[^/]+?)(?:\.git)?\/(?:tree|blob|src)\//.exec(
      target,
    );
  if (tree) return `${tree[1]}.git`;
  return target.replace(/\/$/, '');
}

/**
 * Checks out the repository a suite's web server runs from: one commit, shallow, through the
 * pipelines' {@link GitRemotePolicy} (`pipelines.git.allowedHosts`, `pipelines.gitUrlRewrites`),
 * so the test recorder fetches exactly what pipelines may fetch.
 */
export class RepositoryCheckout {
  static create(options: { gitRemotePolicy: GitRemotePolicy }) {
    return new RepositoryCheckout(options.gitRemotePolicy);
  }

  private constructor(private readonly gitRemotePolicy: GitRemotePolicy) {}

  /**
   * Fetches `ref` (the default branch when unset) into `dir` (created; must be empty) and
   * returns the commit. Errors name the repository (without credentials) and what failed.
   */
  async checkout(options: {
    repositoryUrl: string;
    ref?: string;
    dir: string;
    timeoutMs: number;
    signal?: AbortSignal;
  }): Promise<{ commit: string }> {
    const checkout = GitCheckout.prepare({
      repositoryUrl: options.repositoryUrl,
      ref: options.ref,
      remotePolicy: this.gitRemotePolicy,
    });
    await fs.mkdir(options.dir, { recursive: true });
    const commit = await checkout.into(options.dir, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    return { commit };
  }
}
