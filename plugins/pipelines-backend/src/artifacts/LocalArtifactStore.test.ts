import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore } from './LocalArtifactStore';

async function text(stream: NodeJS.ReadableStream) {
  let result = '';
  for await (const chunk of stream) result += chunk;
  return result;
}

describe('LocalArtifactStore', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-artifacts-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists and reads what a job staged, and nothing outside it', async () => {
    const store = new LocalArtifactStore(root);
    const staged = await store.stage('run-1', 'test (shard=1)');
    fs.mkdirSync(path.join(staged.dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(staged.dir, 'dist', 'out.txt'), 'hello');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'not yours');
    await staged.commit();

    expect(await store.list('run-1')).toEqual([
      { jobRunId: 'test_shard=1_', path: 'dist/out.txt', size: 5 },
    ]);
    const file = await store.read('run-1', 'test (shard=1)', 'dist/out.txt');
    expect(await text(file!.stream)).toBe('hello');
    expect(
      await store.read('run-1', 'test (shard=1)', '../../secret.txt'),
    ).toBeUndefined();
    expect(await store.read('run-1', 'test (shard=1)', 'dist')).toBeUndefined();
    expect(
      await store.read('run-1', 'test (shard=1)', 'nope.txt'),
    ).toBeUndefined();
    expect(await store.list('no-such-run')).toEqual([]);
  });
});
