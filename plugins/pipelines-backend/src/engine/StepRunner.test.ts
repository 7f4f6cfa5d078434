import type { PipelineStep } from '@internal/plugin-pipelines-common';
import type {
  PipelineExecutor,
  PipelineScriptResult,
  PipelineStepContext,
} from '@internal/plugin-pipelines-node';
import type { NewStepReport } from '../store/PipelineStore';
import { SecretMasker } from '../logs/SecretMasker';
import type { ExpressionScope } from './expressions';
import type { JobStopReason } from './JobStopReason';
import type { RunLog } from './RunLog';
import { StepRunner } from './StepRunner';

const scope: ExpressionScope = {
  params: { version: '1.0; rm -rf /' },
  matrix: {},
  secrets: { TOKEN: 'hunter22' },
  env: {},
  run: { id: 'run-1' },
  entity: { ref: 'component:default/comet', name: 'comet' },
};

function runnerFor(
  result: PipelineScriptResult,
  options: {
    stopReason?: JobStopReason;
    stepTypeError?: Error;
    reportStep?: (context: PipelineStepContext) => Promise<void>;
  } = {},
) {
  const lines: Array<{ stream: string; text: string }> = [];
  const kept: NewStepReport[] = [];
  let lateReport: PipelineStepContext['report'] | undefined;
  const scripts: Array<{ script: string; env: Record<string, string> }> = [];
  const executor = {
    runScript: async request => {
      scripts.push({ script: request.script, env: request.env });
      request.onOutput({ stream: 'stdout', text: 'token hunter22' });
      return result;
    },
  } as Pick<PipelineExecutor, 'runScript'> as PipelineExecutor;
  const log = {
    write: (line: { stream: string; text: string }, masked = false) =>
      lines.push({
        stream: line.stream,
        text: masked ? line.text : `!${line.text}`,
      }),
  } as unknown as RunLog;
  const runner = new StepRunner({
    executor,
    stepTypes: new Map([
      [
        'comet/fail',
        {
          id: 'comet/fail',
          run: async () => {
            throw options.stepTypeError ?? new Error('no');
          },
        } as any,
      ],
      [
        'comet/report',
        {
          id: 'comet/report',
          run: async (context: PipelineStepContext) => {
            lateReport = context.report;
            await options.reportStep?.(context);
          },
        } as any,
      ],
    ]),
    log,
    masker: new SecretMasker(['hunter22']),
    store: {
      addStepReport: async report => {
        kept.push(report);
      },
    },
    runId: 'run-1',
    jobRunId: 'build',
    attempt: 2,
    entityRef: 'component:default/comet',
    signal: new AbortController().signal,
    stopReason: () => options.stopReason,
  });
  const run = (step: Partial<PipelineStep>) =>
    runner.run({
      step: { name: 's', env: {}, continueOnError: false, ...step },
      stepIndex: 0,
      workspace: { dir: '/nonexistent', commit: 'abc' },
      env: { CI: 'true' },
      scope,
    });
  return { run, lines, scripts, kept, lateReport: () => lateReport! };
}

describe('StepRunner', () => {
  it('runs a script with expressions as variables, and masks its output', async () => {
    const { run, lines, scripts } = runnerFor({ exitCode: 0 });
    await expect(run({ run: 'echo ${{ params.version }}' })).resolves.toEqual({
      kind: 'succeeded',
      exitCode: 0,
    });
    expect(scripts).toEqual([
      {
        script: 'echo ${COMET_EXPR_0}',
        env: { CI: 'true', COMET_EXPR_0: '1.0; rm -rf /' },
      },
    ]);
    expect(lines).toEqual([{ stream: 'stdout', text: 'token ***' }]);
  });

  it.each([
    [
      { exitCode: 2 },
      { kind: 'failed', error: 'Exited with code 2', exitCode: 2 },
    ],
    [
      { exitCode: 127 },
      {
        kind: 'failed',
        error: 'Command not found (exit code 127)',
        exitCode: 127,
      },
    ],
    [
      { exitCode: null, terminatedBy: 'timeout' as const },
      {
        kind: 'timeout',
        error: 'Step timed out after 5000 ms',
        exitCode: undefined,
      },
    ],
  ])('reports %j as %j', async (result, outcome) => {
    const { run } = runnerFor(result);
    await expect(run({ run: 'make', timeoutMs: 5000 })).resolves.toEqual(
      outcome,
    );
  });

  it("reports a stopped script with the job's stop reason", async () => {
    const { run } = runnerFor(
      { exitCode: null, terminatedBy: 'cancel' },
      {
        stopReason: {
          kind: 'timeout',
          message: 'Job timed out after 60000 ms',
        },
      },
    );
    await expect(run({ run: 'sleep 600' })).resolves.toEqual({
      kind: 'stopped',
      error: 'Job timed out after 60000 ms',
      exitCode: undefined,
    });
  });

  it('fails an unknown step type, and a step type that throws with a masked message', async () => {
    const { run } = runnerFor(
      { exitCode: 0 },
      { stepTypeError: new Error('denied for hunter22') },
    );
    await expect(run({ uses: 'comet/nope' })).resolves.toEqual({
      kind: 'failed',
      error: 'Unknown step type "comet/nope"',
    });
    await expect(run({ uses: 'comet/fail' })).resolves.toEqual({
      kind: 'failed',
      error: 'denied for ***',
    });
  });

  it("keeps a step type's reports for its step and attempt, masked", async () => {
    const { run, kept, lateReport } = runnerFor(
      { exitCode: 0 },
      {
        reportStep: async context => {
          await context.report({
            kind: 'comet.check',
            title: 'Check hunter22',
            status: 'warning',
            summary: ' 2 warnings, token hunter22 ',
            url: 'https://ci.example.com/check?token=hunter22',
            data: { hunter22: ['hunter22', 3, null] },
          });
        },
      },
    );
    await expect(run({ uses: 'comet/report' })).resolves.toEqual({
      kind: 'succeeded',
    });
    expect(kept).toEqual([
      {
        runId: 'run-1',
        jobRunId: 'build',
        stepIndex: 0,
        attempt: 2,
        report: {
          kind: 'comet.check',
          title: 'Check ***',
          status: 'warning',
          summary: '2 warnings, token ***',
          url: 'https://ci.example.com/check?token=***',
          data: { '***': ['***', 3, null] },
        },
      },
    ]);
    // Once the step is over, its context reports nothing more
    await expect(
      lateReport()({
        kind: 'comet.check',
        title: 'Late',
        status: 'info',
        summary: 'too late',
      }),
    ).rejects.toThrow(
      'Report of step "s" (comet/report): the step is over, so it is not kept',
    );
    expect(kept).toHaveLength(1);
  });

  it('fails the step with a bad report, naming the step and the field, masked', async () => {
    const { run, kept } = runnerFor(
      { exitCode: 0 },
      {
        reportStep: async context => {
          await context.report({
            kind: 'comet.check',
            title: 'Check',
            status: 'great' as any,
            summary: 'fine',
          });
        },
      },
    );
    await expect(run({ uses: 'comet/report', name: 'gate' })).resolves.toEqual({
      kind: 'failed',
      error:
        'Report of step "gate" (comet/report): "status" must be one of passed, failed, warning, info, not "great"',
    });
    expect(kept).toEqual([]);

    const secret = runnerFor(
      { exitCode: 0 },
      {
        reportStep: context =>
          context.report({
            kind: 'comet.check',
            title: 'Check',
            status: 'nope-hunter22' as any,
            summary: 'fine',
          }),
      },
    );
    const outcome = await secret.run({ uses: 'comet/report' });
    expect(outcome).toEqual({
      kind: 'failed',
      error: expect.stringContaining('not "nope-***"'),
    });
  });
});
