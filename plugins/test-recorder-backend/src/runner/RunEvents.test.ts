import { mockServices } from '@backstage/backend-test-utils';
import type { TestArtifactKind } from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  StoredTestResult,
  TestRecorderStore,
} from '../store/TestRecorderStore';
import { maskSecrets, RunEvents } from './RunEvents';

const SECRET = 'pa55-w0rd';
const RUN_ID = 'run-1';

type Stored = { kind: TestArtifactKind; contentType: string; bytes: Buffer };

/** The two store calls RunEvents makes, kept in memory. */
class MemoryStore {
  readonly artifacts = new Map<string, Stored>();
  readonly results: StoredTestResult[] = [];

  async addArtifact(input: {
    runId: string;
    kind: TestArtifactKind;
    contentType: string;
    content: Buffer | { path: string };
  }) {
    if (input.runId !== RUN_ID) throw new Error(`wrong run ${input.runId}`);
    const bytes = Buffer.isBuffer(input.content)
      ? input.content
      : await fs.readFile(input.content.path);
    const artifactId = `artifact-${this.artifacts.size + 1}`;
    this.artifacts.set(artifactId, {
      kind: input.kind,
      contentType: input.contentType,
      bytes,
    });
    return { artifactId };
  }

  async saveTestResult(runId: string, result: StoredTestResult) {
    if (runId !== RUN_ID) throw new Error(`wrong run ${runId}`);
    this.results.push(structuredClone(result));
  }
}

describe('RunEvents', () => {
  let outputDir: string;
  let store: MemoryStore;
  let logger: ReturnType<typeof mockServices.logger.mock>;

  beforeEach(async () => {
    outputDir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-run-events-'));
    store = new MemoryStore();
    logger = mockServices.logger.mock();
  });

  afterEach(async () => {
    await fs.rm(outputDir, { recursive: true, force: true });
  });

  function consumer(quarantined: string[] = []) {
    return new RunEvents({
      store: store as unknown as TestRecorderStore,
      runId: RUN_ID,
      outputDir,
      definition: {
        name: 'checkout',
        baseUrl: 'http://127.0.0.1:3000',
        tests: [
          { id: 'pay', name: 'Pays', steps: [] },
          { id: 'cart', name: 'Fills the cart', steps: [] },
        ],
      },
      quarantined: new Set(quarantined),
      baselineIds: new Map([['pay/total', 'baseline-1']]),
      secrets: [SECRET],
      logger,
    });
  }

  async function write(relative: string, content: string | Buffer) {
    const file = path.join(outputDir, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    return relative;
  }

  const step = (overrides: Record<string, unknown> = {}) => ({
    type: 'stepFinished' as const,
    testId: 'pay',
    attempt: 1,
    index: 0,
    stepId: 'open',
    action: 'navigate' as const,
    status: 'passed' as const,
    durationMs: 10,
    ...overrides,
  });

  it('stores every file of a test scrubbed of the secrets, with its content type', async () => {
    const events = consumer();
    await events.handle({ type: 'testStarted', testId: 'pay', attempt: 1 });
    await events.handle(
      step({
        screenshotPath: await write('pay/step-0.jpg', `jpeg ${SECRET}`),
        error: `typed ${SECRET} and failed`,
        usedFallback: `getByText('${SECRET}')`,
        visual: {
          name: 'total',
          status: 'differs',
          actualPath: await write('pay/total-actual.png', 'actual'),
          diffPath: await write('pay/total-diff.png', 'diff'),
          diffPixels: 3,
          diffRatio: 0.01,
        },
      }),
    );
    const trace = new JSZip();
    trace.file('trace.trace', `{"value":"${SECRET}"}`);
    await events.handle({
      type: 'testFinished',
      testId: 'pay',
      attempt: 1,
      status: 'failed',
      durationMs: 100,
      error: { message: `expected ${SECRET}`, stepId: 'open', stepIndex: 0 },
      videoPath: await write('pay/video.mp4', 'video'),
      tracePath: await write(
        'pay/trace.zip',
        await trace.generateAsync({ type: 'nodebuffer' }),
      ),
    });

    expect(
      [...store.artifacts.values()].map(a => [
        a.kind,
        a.contentType,
        a.kind === 'trace' ? 'zip' : a.bytes.toString(),
      ]),
    ).toEqual([
      ['screenshot', 'image/jpeg', 'jpeg ***'],
      ['visual-actual', 'image/png', 'actual'],
      ['visual-diff', 'image/png', 'diff'],
      ['video', 'video/mp4', 'video'],
      ['trace', 'application/zip', 'zip'],
    ]);
    const storedTrace = await JSZip.loadAsync(
      store.artifacts.get('artifact-5')!.bytes,
    );
    expect(await storedTrace.file('trace.trace')!.async('string')).toBe(
      '{"value":"***"}',
    );

    expect(store.results).toHaveLength(1);
    const [result] = store.results;
    expect(result).toMatchObject({
      testId: 'pay',
      testName: 'Pays',
      status: 'failed',
      quarantined: false,
      durationMs: 100,
    });
    expect(result.attempts).toEqual([
      {
        attempt: 1,
        status: 'failed',
        durationMs: 100,
        error: {
          message: 'expected ***',
          stepId: 'open',
          stepIndex: 0,
          signature: expect.any(String),
        },
        steps: [
          {
            stepId: 'open',
            index: 0,
            action: 'navigate',
            status: 'passed',
            durationMs: 10,
            error: 'typed *** and failed',
            usedFallback: "getByText('***')",
            screenshotArtifactId: 'artifact-1',
            visual: {
              name: 'total',
              status: 'differs',
              baselineArtifactId: 'baseline-1',
              actualArtifactId: 'artifact-2',
              diffArtifactId: 'artifact-3',
              diffPixels: 3,
              diffRatio: 0.01,
            },
          },
        ],
        videoArtifactId: 'artifact-4',
        traceArtifactId: 'artifact-5',
      },
    ]);
    expect(events.failedTestIds()).toEqual(['pay']);
  });

  it('names the content type from the extension, and a video without one as WebM', async () => {
    const events = consumer();
    await events.handle(
      step({ screenshotPath: await write('pay/step-0.bin', 'raw') }),
    );
    await events.handle({
      type: 'testFinished',
      testId: 'pay',
      attempt: 1,
      status: 'passed',
      durationMs: 5,
      videoPath: await write('pay/video', 'video'),
    });
    expect([...store.artifacts.values()].map(a => a.contentType)).toEqual([
      'application/octet-stream',
      'video/webm',
    ]);
  });

  it('stores nothing outside the output folder, missing, or an unreadable trace, and says so', async () => {
    // A folder beside the output folder whose name starts like it
    const beside = `${outputDir}-x`;
    await fs.mkdir(beside);
    await fs.writeFile(path.join(beside, 'escape.jpg'), 'x');
    const events = consumer();
    try {
      await events.handle(
        step({ screenshotPath: `../${path.basename(beside)}/escape.jpg` }),
      );
    } finally {
      await fs.rm(beside, { recursive: true, force: true });
    }
    await events.handle(step({ index: 1, screenshotPath: 'pay/missing.jpg' }));
    await events.handle(
      step({
        index: 2,
        visual: {
          name: 'total',
          status: 'new',
          actualPath: 'pay/missing-actual.png',
        },
      }),
    );
    await events.handle({
      type: 'testFinished',
      testId: 'pay',
      attempt: 1,
      status: 'passed',
      durationMs: 5,
      tracePath: await write('pay/trace.zip', `not a zip ${SECRET}`),
    });

    expect(store.artifacts.size).toBe(0);
    const [attempt] = store.results[0].attempts;
    expect(attempt.traceArtifactId).toBeUndefined();
    expect(attempt.steps.map(s => [s.screenshotArtifactId, s.visual])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(logger.warn.mock.calls.map(call => call[0])).toEqual([
      `Test run ${RUN_ID}: ignored a screenshot outside the output folder`,
      `Test run ${RUN_ID}: the screenshot pay/missing.jpg is missing`,
      `Test run ${RUN_ID}: the visual-actual pay/missing-actual.png is missing`,
      expect.stringMatching(
        new RegExp(`^Test run ${RUN_ID}: dropped the trace pay/trace\\.zip: `),
      ),
    ]);
    // an unreadable trace is not written back either
    expect(
      await fs.readFile(path.join(outputDir, 'pay/trace.zip'), 'utf8'),
    ).toBe(`not a zip ${SECRET}`);
  });

  it('fails the attempt a worker left unfinished, and leaves quarantined tests out of the failures', async () => {
    const events = consumer(['cart']);
    await events.handle({ type: 'testStarted', testId: 'pay', attempt: 1 });
    await events.handle(step({ durationMs: 30 }));
    await events.handle(step({ index: 1, stepId: 'pay', durationMs: 12 }));
    // an attempt that starts without its testStarted event
    await events.handle(step({ testId: 'cart', attempt: 2, durationMs: 7 }));
    await events.failUnfinished(`the browser worker was killed (${SECRET})`);

    expect(
      store.results.map(r => [
        r.testId,
        r.status,
        r.quarantined,
        r.durationMs,
        r.attempts.map(a => [a.attempt, a.status, a.error?.message]),
        r.attempts[0].steps.map(s => s.stepId),
      ]),
    ).toEqual([
      [
        'pay',
        'failed',
        false,
        42,
        [[1, 'failed', 'the browser worker was killed (***)']],
        ['open', 'pay'],
      ],
      [
        'cart',
        'failed',
        true,
        7,
        [[2, 'failed', 'the browser worker was killed (***)']],
        ['open'],
      ],
    ]);
    expect(events.failedTestIds()).toEqual(['pay']);
    // nothing is left unfinished a second time
    await events.failUnfinished('again');
    expect(store.results).toHaveLength(2);
  });

  it('masks every form of a secret in a message', () => {
    expect(maskSecrets(`a ${SECRET} b`, [SECRET])).toBe('a *** b');
    expect(maskSecrets(`a ${SECRET} b`, [])).toBe(`a ${SECRET} b`);
  });
});
