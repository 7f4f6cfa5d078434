import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { gitHubRepositoryOf } from '@internal/plugin-github-common';

export type GitHubEntityState =
  | { kind: 'missing' }
  | { kind: 'invalid'; message: string }
  | { kind: 'ok'; entityRef: string; slug: string };

/** Reads the entity's `github.com/project-slug` as the backend will, before calling it. */
export function gitHubEntityState(entity: Entity): GitHubEntityState {
  try {
    const repository = gitHubRepositoryOf(entity);
    if (!repository) return { kind: 'missing' };
    return {
      kind: 'ok',
      entityRef: stringifyEntityRef(entity),
      slug: `${repository.owner}/${repository.repo}`,
    };
  } catch (error) {
    return { kind: 'invalid', message: (error as Error).message };
  }
}
