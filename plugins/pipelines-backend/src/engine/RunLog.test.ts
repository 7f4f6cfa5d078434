import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { SecretMasker } from '../logs/SecretMasker';
import type { PipelineStore } from '../store/PipelineStore';
import { RunLog } from './PipelineEngine';

/** A store whose writes wait until the test lets them through. */
function slowStore() {
  const writes: number[] = [];
  const stored: string[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>(resolve => (release = resolve));
  const store = {
    logSize: async () => 0,
    appendLogLines: async (_runId: string, lines: { text: string }[]) => {
      writes.push(lines.length);
      await gate;
      stored.push(...lines.map(l => l.text));
      return lines.map((l, i) => ({ ...l, seq: i })) as PipelineLogLine[];
    },
  } as unknown as PipelineStore;
  return {
    store,
    writes,
    stored,
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

describe('RunLog', () => {
  it('puts the lines that waited for a slow database into one write, in order', async () => {
    const { store, writes, stored, open } = slowStore();
    const log = new RunLog(store, 'run-1', 1e9, new SecretMasker([]));
    await log.init();
    const line = (i: number) => ({
      jobRunId: 'build',
      stepIndex: 0,
      stream: 'stdout' as const,
      text: `line ${i}`,
    });
    const tick = () => new Promise(resolve => setImmediate(resolve));
    // Output arrives a chunk at a time: the first 5,000 lines start a write...
    for (let i = 0; i < 5000; i++) log.write(line(i));
    await tick();
    expect(writes).toEqual([5000]);
    // ...and while the database is slow, 15,000 more arrive (three more flushes are due)
    for (let chunk = 1; chunk < 4; chunk++) {
      for (let i = chunk * 5000; i < (chunk + 1) * 5000; i++)
        log.write(line(i));
      await tick();
    }
    expect(writes).toEqual([5000]);
    open();
    await log.flush();
    expect(writes).toEqual([5000, 15_000]);
    expect(stored).toHaveLength(20_000);
    expect(stored[0]).toBe('line 0');
    expect(stored[19_999]).toBe('line 19999');
    expect(stored.every((text, i) => text === `line ${i}`)).toBe(true);
  });

  it('stores everything buffered before flush() resolves, in writes of at most 20,000 lines', async () => {
    const { store, writes, stored, open } = slowStore();
    open();
    const log = new RunLog(store, 'run-2', 1e9, new SecretMasker([]));
    for (let i = 0; i < 50_000; i++) {
      (log as unknown as { buffer: unknown[] }).buffer.push({
        jobRunId: 'build',
        stepIndex: 0,
        stream: 'stdout',
        text: `line ${i}`,
        timestamp: new Date().toISOString(),
      });
    }
    await log.flush();
    expect(writes).toEqual([20_000, 20_000, 10_000]);
    expect(stored).toHaveLength(50_000);
  });
});
