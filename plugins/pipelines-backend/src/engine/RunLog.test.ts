import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { SecretMasker } from '../logs/SecretMasker';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NewLogLine, PipelineStore } from '../store/PipelineStore';
import type { LiveLogBus } from './LiveLogBus';
import { RunLog } from './RunLog';

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
      return {
        lines: lines.map((l, i) => ({ ...l, seq: i })) as PipelineLogLine[],
        truncated: false,
        logSize: 0,
      };
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

const line = (i: number, jobRunId = 'build') => ({
  jobRunId,
  stepIndex: 0,
  stream: 'stdout' as const,
  text: `line ${i}`,
});

/** A store that fails the first `failures` appends (Infinity: all), then stores them. */
function flakyStore(failures: number) {
  const stored: string[] = [];
  let calls = 0;
  const store = {
    logSize: async () => 0,
    appendLogLines: async (_runId: string, lines: NewLogLine[]) => {
      calls++;
      if (calls <= failures) {
        throw new Error(
          'connect ECONNREFUSED 127.0.0.1:5432 (password s3cret-value)',
        );
      }
      const first = stored.length;
      stored.push(...lines.map(l => l.text));
      return {
        lines: lines.map((l, i) => ({ ...l, seq: first + i })),
        truncated: false,
        logSize: 0,
      };
    },
  } as unknown as PipelineStore;
  return { store, stored, calls: () => calls };
}

function recordingLogger() {
  const errors: string[] = [];
  const logger = {
    error: (message: string) => errors.push(message),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
  } as unknown as LoggerService;
  return { logger, errors };
}

describe('RunLog write failures', () => {
  it('retries a failed write: nothing lost, duplicated or reordered', async () => {
    const { store, stored, calls } = flakyStore(1);
    const { logger, errors } = recordingLogger();
    const published: number[] = [];
    const liveLogs = {
      publish: (_runId: string, lines: PipelineLogLine[]) =>
        published.push(...lines.map(l => l.seq)),
    } as unknown as LiveLogBus;
    const log = new RunLog(
      store,
      'run-1',
      1e9,
      new SecretMasker([]),
      liveLogs,
      logger,
      [5, 5, 5],
    );
    for (let i = 0; i < 3; i++) log.write(line(i));
    const first = log.flush();
    // Lines that arrive while the failed write waits for its retry come after it
    for (let i = 3; i < 6; i++) log.write(line(i));
    await first;
    await log.flush();
    expect(stored).toEqual([0, 1, 2, 3, 4, 5].map(i => `line ${i}`));
    expect(published).toEqual([0, 1, 2, 3, 4, 5]);
    expect(calls()).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });

  it('drops the lines of a write that keeps failing, logs once without secrets, and writes later lines', async () => {
    const { store, stored, calls } = flakyStore(8);
    const { logger, errors } = recordingLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const log = new RunLog(
        store,
        'run-1',
        1e9,
        new SecretMasker(['s3cret-value']),
        undefined,
        logger,
        [1, 1, 1],
      );
      // Scheduled (timer) flushes as well as explicit ones: none may reject
      log.write(line(0));
      await new Promise(resolve => setTimeout(resolve, 150));
      log.write(line(1));
      await expect(log.flush()).resolves.toBeUndefined();
      expect(calls()).toBe(8); // two writes, four attempts each
      expect(stored).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('Cannot store 1 log line(s) of run run-1');
      expect(errors[0]).toContain('ECONNREFUSED');
      expect(errors[0]).not.toContain('s3cret-value');

      // The database is back: the log goes on
      log.write(line(2));
      await log.flush();
      expect(stored).toEqual(['line 2']);
      expect(errors).toHaveLength(1);
      await new Promise(resolve => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('RunLog size cap', () => {
  it('sends the lines up to the first that cannot fit, then buffers nothing', async () => {
    const sent: string[][] = [];
    const store = {
      logSize: async () => 90,
      appendLogLines: async (
        _runId: string,
        lines: NewLogLine[],
        options: { limitBytes: number },
      ) => {
        expect(options).toEqual({ limitBytes: 100 });
        sent.push(lines.map(l => l.text));
        return { lines: [], truncated: true, logSize: 96 };
      },
    } as unknown as PipelineStore;
    const log = new RunLog(store, 'run-1', 100, new SecretMasker([]));
    await log.init();
    log.write(line(1)); // 6 characters: 96, fits
    log.write(line(2)); // would be 102: sent so the store writes the marker
    log.write(line(3));
    await log.flush();
    log.write(line(4));
    await log.flush();
    expect(sent).toEqual([['line 1', 'line 2']]);
  });

  it('stops buffering once the store reports that another job filled the run', async () => {
    const sent: string[][] = [];
    const store = {
      logSize: async () => 0,
      appendLogLines: async (_runId: string, lines: NewLogLine[]) => {
        sent.push(lines.map(l => l.text));
        return { lines: [], truncated: true, logSize: 1000 };
      },
    } as unknown as PipelineStore;
    const log = new RunLog(store, 'run-1', 1000, new SecretMasker([]));
    await log.init();
    log.write(line(1));
    await log.flush();
    log.write(line(2));
    await log.flush();
    expect(sent).toEqual([['line 1']]);
  });
});
