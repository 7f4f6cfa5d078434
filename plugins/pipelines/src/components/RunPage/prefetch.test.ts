import type { PipelinesApi } from '../../api/PipelinesApi';
import { prefetchRun, runIdOfPath, takePrefetched } from './prefetch';

function fakeApi() {
  const calls: string[] = [];
  const api = {
    getRun: jest.fn(async (runId: string) => {
      calls.push(`run ${runId}`);
      return { runId } as any;
    }),
    getLogs: jest.fn(async (runId: string, options: unknown) => {
      calls.push(`logs ${runId} ${JSON.stringify(options)}`);
      return { lines: [] };
    }),
  } as unknown as PipelinesApi;
  return { api, calls };
}

describe('prefetchRun', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reads a run and its first log page once, however often the page renders', async () => {
    const { api, calls } = fakeApi();
    prefetchRun(api, 'r1');
    prefetchRun(api, 'r1');
    expect(calls).toEqual(['run r1', 'logs r1 {"after":-1,"limit":1000}']);
    expect(await takePrefetched(api, 'r1')?.run).toEqual({ runId: 'r1' });
    expect(takePrefetched(api, 'r2')).toBeUndefined();
    // Another app (API instance) never sees these answers
    expect(takePrefetched(fakeApi().api, 'r1')).toBeUndefined();
  });

  it('forgets answers 2 s after they arrived and reads again', async () => {
    const { api, calls } = fakeApi();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    prefetchRun(api, 'r1');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(takePrefetched(api, 'r1')?.value).toEqual({
      run: { runId: 'r1' },
      lines: [],
    });
    now.mockReturnValue(1_001_999);
    expect(takePrefetched(api, 'r1')).toBeDefined();
    now.mockReturnValue(1_002_000);
    expect(takePrefetched(api, 'r1')).toBeUndefined();
    prefetchRun(api, 'r1');
    expect(calls.filter(c => c.startsWith('run'))).toHaveLength(2);
  });

  it('keeps a read on its way however long sign-in takes', async () => {
    let answer: (run: unknown) => void = () => undefined;
    const api = {
      getRun: jest.fn(() => new Promise(resolve => (answer = resolve))),
      getLogs: jest.fn(async () => ({ lines: [] })),
    } as unknown as PipelinesApi;
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    prefetchRun(api, 'r1');
    // The requests wait for sign-in: a minute later the read is still the one to take
    now.mockReturnValue(1_060_000);
    prefetchRun(api, 'r1');
    expect(api.getRun).toHaveBeenCalledTimes(1);
    expect(takePrefetched(api, 'r1')?.value).toBeUndefined();
    answer({ runId: 'r1' });
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(takePrefetched(api, 'r1')?.value?.run).toEqual({ runId: 'r1' });
    now.mockReturnValue(1_062_000);
    expect(takePrefetched(api, 'r1')).toBeUndefined();
  });

  it('knows a run page address', () => {
    expect(runIdOfPath('/pipelines/runs/4f2a-9')).toBe('4f2a-9');
    expect(runIdOfPath('/portal/pipelines/runs/4f2a-9/')).toBe('4f2a-9');
    expect(runIdOfPath('/pipelines/runs/a%20b')).toBe('a b');
    expect(runIdOfPath('/pipelines')).toBeUndefined();
    expect(runIdOfPath('/pipelines/runs/r1/logs')).toBeUndefined();
    expect(runIdOfPath('/catalog/default/component/x/ci-cd')).toBeUndefined();
  });

  it('hands a failure to whoever takes it, without an unhandled rejection', async () => {
    const api = {
      getRun: async () => {
        throw new Error('Run r9 not found');
      },
      getLogs: async () => {
        throw new Error('Run r9 not found');
      },
    } as unknown as PipelinesApi;
    prefetchRun(api, 'r9');
    await expect(takePrefetched(api, 'r9')!.run).rejects.toThrow(
      'Run r9 not found',
    );
  });
});
