import type { PipelineRun } from '@internal/plugin-pipelines-common';
import { makePipelineRun } from '../testing/pipelineRun';
import { MergeableProvider, mergeProviderPages } from './mergeProviderPages';

const run = (provider: string, n: number, at: number): PipelineRun =>
  makePipelineRun({
    provider,
    runId: `${provider}-${n}`,
    entityRef: 'component:default/a',
    pipeline: 'p',
    status: 'succeeded',
    createdAt: new Date(at * 1000).toISOString(),
  });

/** A provider paging newest first with a numeric offset cursor and its own page size. */
function fakeProvider(
  id: string,
  times: number[],
  pageSize: number,
  calls: { count: number } = { count: 0 },
): MergeableProvider {
  const runs = times
    .map((at, n) => run(id, n, at))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return {
    id,
    async listRuns(cursor, limit) {
      calls.count++;
      const offset = cursor ? Number(cursor) : 0;
      const size = Math.min(limit, pageSize);
      const page = runs.slice(offset, offset + size);
      return {
        runs: page,
        nextCursor:
          offset + size < runs.length ? String(offset + size) : undefined,
      };
    },
  };
}

async function walk(providers: MergeableProvider[], limit: number) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await mergeProviderPages({ providers, limit, cursor });
    expect(page.runs.length).toBeLessThanOrEqual(limit);
    seen.push(...page.runs.map(r => r.runId));
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return seen;
}

describe('mergeProviderPages', () => {
  it('walks interleaved providers newest first, each run exactly once', async () => {
    const a = fakeProvider('comet', [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21], 4);
    const b = fakeProvider('jenkins', [2, 4, 6, 8, 10, 12, 14], 3);
    const c = fakeProvider('github', [100, 101, 102], 2);
    const seen = await walk([a, b, c], 5);
    const expected = [
      ...[1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21].map((at, n) => ({
        id: `comet-${n}`,
        at,
      })),
      ...[2, 4, 6, 8, 10, 12, 14].map((at, n) => ({ id: `jenkins-${n}`, at })),
      ...[100, 101, 102].map((at, n) => ({ id: `github-${n}`, at })),
    ]
      .sort((x, y) => y.at - x.at)
      .map(x => x.id);
    expect(seen).toEqual(expected);
  });

  it('gives one page and no cursor when everything fits', async () => {
    const page = await mergeProviderPages({
      providers: [
        fakeProvider('comet', [1, 2], 10),
        fakeProvider('jenkins', [3], 10),
      ],
      limit: 10,
    });
    expect(page.runs.map(r => r.runId)).toEqual([
      'jenkins-0',
      'comet-1',
      'comet-0',
    ]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('reports a failing provider and keeps the others', async () => {
    const broken: MergeableProvider = {
      id: 'jenkins',
      listRuns: async () => {
        throw new Error('Jenkins instance "main" is unreachable');
      },
    };
    const page = await mergeProviderPages({
      providers: [fakeProvider('comet', [1, 2], 10), broken],
      limit: 10,
    });
    expect(page.runs).toHaveLength(2);
    expect(page.errors).toEqual([
      {
        provider: 'jenkins',
        message: 'Jenkins instance "main" is unreachable',
      },
    ]);
  });

  it('passes on the sources a provider could not read, with its runs and the others', async () => {
    const jenkins = fakeProvider('jenkins', [3, 4, 5, 6], 2);
    const partly: MergeableProvider = {
      id: 'jenkins',
      async listRuns(cursor, limit) {
        const page = await jenkins.listRuns(cursor, limit);
        return {
          ...page,
          errors: [
            {
              source: 'Jenkins job folder/payments-build (instance default)',
              message: '404 Not Found',
            },
          ],
        };
      },
    };
    const broken: MergeableProvider = {
      id: 'github',
      listRuns: async () => {
        throw new Error('GitHub is down');
      },
    };
    const page = await mergeProviderPages({
      providers: [broken, fakeProvider('comet', [1, 2], 10), partly],
      limit: 3,
    });
    expect(page.runs.map(r => r.runId)).toEqual([
      'jenkins-3',
      'jenkins-2',
      'jenkins-1',
    ]);
    expect(page.nextCursor).toBeDefined();
    // In the order of the providers; one entry per source even though two pages were read.
    expect(page.errors).toEqual([
      { provider: 'github', message: 'GitHub is down' },
      {
        provider: 'jenkins',
        source: 'Jenkins job folder/payments-build (instance default)',
        message: '404 Not Found',
      },
    ]);
  });

  it('does not ask a provider again once it has nothing left', async () => {
    const calls = { count: 0 };
    const small = fakeProvider('jenkins', [50], 10, calls);
    const big = fakeProvider(
      'comet',
      Array.from({ length: 30 }, (_, i) => i),
      10,
    );
    const seen = await walk([big, small], 10);
    expect(seen).toHaveLength(31);
    expect(calls.count).toBe(1);
  });

  it('rejects a cursor it did not make', async () => {
    await expect(
      mergeProviderPages({ providers: [], limit: 5, cursor: 'nope' }),
    ).rejects.toThrow(/Invalid cursor/);
  });
});
