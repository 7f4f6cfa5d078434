import { InputError } from '@backstage/errors';
import type {
  PipelineProviderError,
  PipelineRun,
} from '@internal/plugin-pipelines-common';

/** Where one provider's paging stands: its own cursor and how many of that page were shown. */
type ProviderPosition = { cursor?: string; skip: number; done?: true };

type MergeCursor = Record<string, ProviderPosition>;

export type MergeableProvider = {
  id: string;
  listRuns(
    cursor: string | undefined,
    limit: number,
  ): Promise<{
    runs: PipelineRun[];
    nextCursor?: string;
    /** Sources of the provider that failed while others worked. */
    errors?: { source: string; message: string }[];
  }>;
};

type Candidate = {
  run: PipelineRun;
  /** The provider cursor of the page the run came from, and its place in that page. */
  pageCursor?: string;
  index: number;
  pageLength: number;
  pageNextCursor?: string;
};

function encode(cursor: MergeCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decode(cursor: string): MergeCursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as MergeCursor;
    }
  } catch {
    // fall through
  }
  throw new InputError(
    'Invalid cursor: pass back the nextCursor of the previous page unchanged',
  );
}

const time = (run: PipelineRun) => Date.parse(run.createdAt) || 0;

/**
 * Merges the newest-first run lists of several providers into one newest-first page.
 *
 * Each provider pages with its own opaque cursor, so the merged cursor keeps, per provider,
 * the cursor of the page its next run is on and how many runs of that page were already
 * shown. Every provider contributes at least `limit` candidates (or all it has left), so the
 * page is exactly the newest `limit` runs across providers, and no run is shown twice or
 * skipped. A provider that fails is reported in `errors` (without `source`) and keeps its
 * place; a source of a provider that failed while the provider's others worked (one Jenkins
 * job of several) is reported in `errors` with its `source`, once per source and message.
 * Errors are in the order of `providers`.
 */
export async function mergeProviderPages(options: {
  providers: MergeableProvider[];
  limit: number;
  cursor?: string;
}): Promise<{
  runs: PipelineRun[];
  nextCursor?: string;
  errors: PipelineProviderError[];
}> {
  const { providers, limit } = options;
  const state: MergeCursor = options.cursor ? decode(options.cursor) : {};

  const candidatesOf = async (
    provider: MergeableProvider,
  ): Promise<{
    candidates: Candidate[];
    exhausted: boolean;
    problems: PipelineProviderError[];
  }> => {
    const position = state[provider.id] ?? { skip: 0 };
    if (position.done) {
      return { candidates: [], exhausted: true, problems: [] };
    }
    const candidates: Candidate[] = [];
    const sourceErrors = new Map<string, PipelineProviderError>();
    let exhausted = false;
    let pageCursor = position.cursor;
    let skip = position.skip;
    // Bounded: a provider that keeps handing out empty pages with a cursor cannot loop forever.
    for (let pages = 0; pages < 10 && candidates.length < limit; pages++) {
      const page = await provider.listRuns(pageCursor, limit);
      for (const { source, message } of page.errors ?? []) {
        sourceErrors.set(JSON.stringify([source, message]), {
          provider: provider.id,
          source,
          message,
        });
      }
      for (let index = skip; index < page.runs.length; index++) {
        candidates.push({
          run: page.runs[index],
          pageCursor,
          index,
          pageLength: page.runs.length,
          pageNextCursor: page.nextCursor,
        });
      }
      if (!page.nextCursor) {
        exhausted = true;
        break;
      }
      pageCursor = page.nextCursor;
      skip = 0;
    }
    return { candidates, exhausted, problems: [...sourceErrors.values()] };
  };

  const perProvider = await Promise.all(
    providers.map(async provider => {
      try {
        return { provider, ...(await candidatesOf(provider)) };
      } catch (error) {
        const failure: PipelineProviderError = {
          provider: provider.id,
          message: String((error as Error)?.message ?? error),
        };
        return {
          provider,
          candidates: undefined,
          exhausted: false,
          problems: [failure],
        };
      }
    }),
  );
  const errors = perProvider.flatMap(({ problems }) => problems);

  const all = perProvider.flatMap(({ provider, candidates }) =>
    (candidates ?? []).map(candidate => ({ provider, candidate })),
  );
  // Newest first; ties broken by provider and run id so the order is stable across pages.
  all.sort(
    (a, b) =>
      time(b.candidate.run) - time(a.candidate.run) ||
      a.provider.id.localeCompare(b.provider.id) ||
      b.candidate.run.runId.localeCompare(a.candidate.run.runId),
  );
  const shown = all.slice(0, limit);

  const next: MergeCursor = {};
  let more = false;
  for (const { provider, candidates, exhausted } of perProvider) {
    const previous = state[provider.id] ?? { skip: 0 };
    if (!candidates) {
      next[provider.id] = previous;
      more = true;
      continue;
    }
    const mine = shown.filter(entry => entry.provider === provider);
    const lastShown = mine[mine.length - 1]?.candidate;
    let position: ProviderPosition = previous;
    if (lastShown) {
      if (lastShown.index + 1 < lastShown.pageLength) {
        position = { cursor: lastShown.pageCursor, skip: lastShown.index + 1 };
      } else {
        position = { cursor: lastShown.pageNextCursor, skip: 0 };
      }
    }
    if (exhausted && mine.length === candidates.length) {
      position = { skip: 0, done: true };
    } else {
      more = true;
    }
    next[provider.id] = position;
  }
  return {
    runs: shown.map(entry => entry.candidate.run),
    nextCursor: more ? encode(next) : undefined,
    errors,
  };
}
