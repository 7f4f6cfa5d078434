import { InputError } from '@backstage/errors';
import { manualRunRef, readAtManualRef } from './manualRunRef';

describe('manualRunRef', () => {
  it('takes refs/heads/*, refs/tags/* and plain names, by their full refs', () => {
    expect(manualRunRef(undefined)).toBeUndefined();
    expect(manualRunRef('refs/heads/release/1.2')).toEqual({
      candidates: ['refs/heads/release/1.2'],
      name: 'release/1.2',
    });
    expect(manualRunRef('refs/tags/v1.0.0')).toEqual({
      candidates: ['refs/tags/v1.0.0'],
      name: 'v1.0.0',
    });
    // A plain name never reaches git's own lookup, which would also try refs/pull/1/head
    expect(manualRunRef('pull/1/head')).toEqual({
      candidates: ['refs/heads/pull/1/head', 'refs/tags/pull/1/head'],
      name: 'pull/1/head',
    });
  });

  it.each([
    ['refs/pull/1/head', 'is not a branch or a tag'],
    ['refs/pull/1/merge', 'is not a branch or a tag'],
    ['refs/remotes/origin/main', 'is not a branch or a tag'],
    ['HEAD', 'is not a branch or a tag'],
    ['refs/heads/', 'names no branch or tag'],
    ['', 'is empty'],
    [' main', 'has surrounding spaces'],
    ['a'.repeat(40), 'looks like a commit'],
    ['deadbee', 'write refs/heads/deadbee'],
  ])('refuses %j with a 400 naming the branch field', (branch, why) => {
    let error: unknown;
    try {
      manualRunRef(branch);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^branch: /);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain(
      'a manual run takes refs/heads/*, refs/tags/* or a plain branch or tag name',
    );
  });
});

describe('readAtManualRef', () => {
  const file = { text: 'name: ci', commit: 'c'.repeat(40) };
  const sourceWith = (refs: string[]) => ({
    readFile: jest.fn(async ({ ref }: { ref?: string }) => {
      if (ref === undefined || refs.includes(ref)) return { ...file, ref };
      throw new InputError(
        `Cannot fetch ${ref} from https://git.example/r: not found`,
      );
    }),
  });
  const request = {
    repositoryUrl: 'https://git.example/r',
    filePath: 'p.yaml',
  };

  it('reads the default branch without a ref', async () => {
    const source = sourceWith([]);
    expect(await readAtManualRef(source as any, request)).toMatchObject({
      branch: undefined,
    });
    expect(source.readFile).toHaveBeenCalledWith({
      repositoryUrl: request.repositoryUrl,
      filePath: 'p.yaml',
    });
  });

  it('reads a plain name as a branch first, then as a tag', async () => {
    const source = sourceWith(['refs/tags/v1']);
    const read = await readAtManualRef(source as any, {
      ...request,
      branch: 'v1',
    });
    expect(read.branch).toBe('v1');
    expect(source.readFile.mock.calls.map(([call]) => call.ref)).toEqual([
      'refs/heads/v1',
      'refs/tags/v1',
    ]);
  });

  it('says when a name is neither a branch nor a tag', async () => {
    await expect(
      readAtManualRef(sourceWith([]) as any, { ...request, branch: 'gone' }),
    ).rejects.toThrow(
      'branch: "gone" is neither a branch nor a tag of the repository (Cannot fetch refs/tags/gone',
    );
  });

  it('passes on any other failure at once', async () => {
    const source = {
      readFile: jest.fn(async () => {
        throw new InputError('Pipeline file p.yaml is missing');
      }),
    };
    await expect(
      readAtManualRef(source as any, { ...request, branch: 'main' }),
    ).rejects.toThrow('Pipeline file p.yaml is missing');
    expect(source.readFile).toHaveBeenCalledTimes(1);
  });

  it('never asks git for a refs/pull ref', async () => {
    const source = sourceWith(['refs/pull/1/head']);
    await expect(
      readAtManualRef(source as any, {
        ...request,
        branch: 'refs/pull/1/head',
      }),
    ).rejects.toThrow(InputError);
    expect(source.readFile).not.toHaveBeenCalled();
  });
});
