import { InputError } from '@backstage/errors';
import type { GitPipelineSource } from '../engine/GitPipelineSource';

/** The refs a manual run may fetch for `branch`, and the name its run shows. */
export type ManualRunRef = { candidates: string[]; name: string };

const COMMIT_LIKE = /^[0-9a-f]{7,64}$/i;

/**
 * What a manual run (the trigger route and action) may build: `refs/heads/*`, `refs/tags/*`,
 * or a plain name that is a branch or a tag. Never `refs/pull/*` (the unmerged code of a
 * fork's pull request, fetchable from the base repository) or a bare commit, which a plain
 * `git fetch <name>` would also reach: a manual run has the entity's secrets.
 * Undefined for the default branch. Throws an InputError naming the `branch` field.
 */
export function manualRunRef(
  branch: string | undefined,
): ManualRunRef | undefined {
  if (branch === undefined) return undefined;
  const refused = (why: string) =>
    new InputError(
      `branch: ${JSON.stringify(
        branch,
      )} ${why}; a manual run takes refs/heads/*, refs/tags/* or a plain branch or tag name`,
    );
  if (branch.trim() === '' || branch !== branch.trim()) {
    throw refused('is empty or has surrounding spaces');
  }
  for (const prefix of ['refs/heads/', 'refs/tags/']) {
    if (branch.startsWith(prefix)) {
      const name = branch.slice(prefix.length);
      if (name === '') throw refused('names no branch or tag');
      return { candidates: [branch], name };
    }
  }
  if (branch.startsWith('refs/') || branch === 'HEAD') {
    throw refused('is not a branch or a tag');
  }
  if (COMMIT_LIKE.test(branch)) {
    throw refused(
      `looks like a commit, not a branch or a tag (for a branch of that name write refs/heads/${branch})`,
    );
  }
  return {
    candidates: [`refs/heads/${branch}`, `refs/tags/${branch}`],
    name: branch,
  };
}

/**
 * Reads a pipeline file for a manual run at `branch` (see {@link manualRunRef}): a plain name
 * is looked up as a branch, then as a tag, each by its full ref so that git's own lookup
 * (which also tries `refs/<name>`, e.g. `pull/1/head`) is never used.
 */
export async function readAtManualRef(
  source: Pick<GitPipelineSource, 'readFile'>,
  request: { repositoryUrl: string; branch?: string; filePath: string },
) {
  const ref = manualRunRef(request.branch);
  if (!ref) {
    const file = await source.readFile({
      repositoryUrl: request.repositoryUrl,
      filePath: request.filePath,
    });
    return { file, branch: undefined };
  }
  let notFound: Error | undefined;
  for (const candidate of ref.candidates) {
    try {
      const file = await source.readFile({
        repositoryUrl: request.repositoryUrl,
        ref: candidate,
        filePath: request.filePath,
      });
      return { file, branch: ref.name };
    } catch (error) {
      // Only "no such ref" moves on to the next candidate.
      if (
        !String((error as Error)?.message).startsWith(
          `Cannot fetch ${candidate} `,
        )
      ) {
        throw error;
      }
      notFound = error as Error;
    }
  }
  throw new InputError(
    `branch: ${JSON.stringify(
      request.branch,
    )} is neither a branch nor a tag of the repository (${notFound?.message})`,
  );
}
