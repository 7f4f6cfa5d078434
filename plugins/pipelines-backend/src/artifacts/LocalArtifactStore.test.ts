import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalArtifactStore, safeSegment } from './LocalArtifactStore';

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

  it('keeps reads inside the run: no dot folders, no links out of the job', async () => {
    const store = new LocalArtifactStore(root);
    const theirs = await store.stage('run-theirs', 'build');
    fs.writeFileSync(path.join(theirs.dir, 'secret.txt'), 'theirs');
    const mine = await store.stage('run-mine', 'build');
    fs.writeFileSync(path.join(mine.dir, 'out.txt'), 'mine');
    // A job can keep links: to a folder of another run, to a file outside, to the root
    fs.symlinkSync(theirs.dir, path.join(mine.dir, 'linked-dir'));
    fs.symlinkSync(
      path.join(theirs.dir, 'secret.txt'),
      path.join(mine.dir, 'linked.txt'),
    );
    fs.symlinkSync('/', path.join(mine.dir, 'root'));

    expect(
      await text((await store.read('run-mine', 'build', 'out.txt'))!.stream),
    ).toBe('mine');
    for (const [jobRunId, relativePath] of [
      ['..', 'run-theirs/build/secret.txt'],
      ['.', '../run-theirs/build/secret.txt'],
      ['build', 'linked-dir/secret.txt'],
      ['build', 'linked.txt'],
      ['build', 'root/etc/hostname'],
      ['build', './out.txt'],
      ['build', '/etc/hostname'],
      ['build', 'a//out.txt'],
    ]) {
      expect(
        await store.read('run-mine', jobRunId, relativePath),
      ).toBeUndefined();
    }
    expect(
      await store.read('..', 'run-theirs', 'build/secret.txt'),
    ).toBeUndefined();
    expect(['.', '..', ''].map(safeSegment)).toEqual(['_.', '_..', '_']);
  });

  it("deletes a run's artifacts and no other run's", async () => {
    const store = new LocalArtifactStore(root);
    for (const runId of ['run-old', 'run-new']) {
      const staged = await store.stage(runId, 'build');
      fs.writeFileSync(path.join(staged.dir, 'out.txt'), runId);
      await staged.commit();
    }
    await store.delete('run-old');
    expect(await store.list('run-old')).toEqual([]);
    expect(await store.read('run-old', 'build', 'out.txt')).toBeUndefined();
    expect(await store.list('run-new')).toEqual([
      { jobRunId: 'build', path: 'out.txt', size: 7 },
    ]);
    // Nothing to delete is not an error, and `..` is a folder name, not the root's parent
    await store.delete('no-such-run');
    await store.delete('..');
    expect(fs.existsSync(root)).toBe(true);
    expect(await store.list('run-new')).toHaveLength(1);
  });
});
