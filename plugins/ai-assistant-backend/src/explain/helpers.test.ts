import { ConfigReader } from '@backstage/config';
import { OpenAiFake } from '../testUtils';
import { ActionReadError } from './ActionReader';
import { FAILURE_ANALYST_MARKER } from './FailureModelAnalyst';
import { DEFAULT_EXPLAIN_LIMITS } from './FailureExplainer';
import { readExplainLimits } from './explainLimits';
import { parseExplainTarget } from './runTargets';
import {
  countLines,
  jiraKeysOf,
  runReadError,
  tailLines,
} from './sources/evidence';
import { testRunLog } from './sources/TestRunSource';

describe('parseExplainTarget', () => {
  it('reads the ids of the unified CI/CD list and test runs', () => {
    expect(parseExplainTarget({ runId: ' 6f1c ' })).toEqual({
      kind: 'comet',
      runId: '6f1c',
    });
    expect(
      parseExplainTarget({
        runId: 'jenkins:eu:payments/build#12',
        entityRef: 'component:default/payments-api',
      }),
    ).toEqual({
      kind: 'jenkins',
      runId: 'jenkins:eu:payments/build#12',
      entityRef: 'component:default/payments-api',
      jobRef: 'eu:payments/build',
      number: 12,
    });
    expect(
      parseExplainTarget({
        runId: 'github:acme/payments-api#123456',
        entityRef: 'component:default/payments-api',
      }),
    ).toEqual({
      kind: 'github',
      runId: 'github:acme/payments-api#123456',
      entityRef: 'component:default/payments-api',
      owner: 'acme',
      repo: 'payments-api',
      workflowRunId: 123456,
    });
    expect(parseExplainTarget({ testRunId: 'tr-1' })).toEqual({
      kind: 'test-recorder',
      runId: 'tr-1',
    });
  });

  it('names what is wrong with an id', () => {
    expect(() => parseExplainTarget({ testRunId: 'x'.repeat(201) })).toThrow(
      'testRunId must be at most 200 characters',
    );
    expect(() => parseExplainTarget({ runId: 'x'.repeat(501) })).toThrow(
      'runId must be at most 500 characters',
    );
    expect(() =>
      parseExplainTarget({
        runId: 'github:acme#1',
        entityRef: 'component:default/a',
      }),
    ).toThrow('is not a GitHub Actions run as the CI/CD list names it');
    expect(() => parseExplainTarget({ runId: 'github:acme/x#1' })).toThrow(
      'entityRef is required for the GitHub Actions run github:acme/x#1',
    );
    expect(() =>
      parseExplainTarget({ runId: 'github:acme/x#1', entityRef: 'payments' }),
    ).toThrow('entityRef "payments" is not an entity ref');
  });
});

describe('evidence helpers', () => {
  it('keeps the end of a long text, counting what it left out', () => {
    expect(tailLines('a\nb\nc\nd', 2)).toEqual({ text: 'c\nd', dropped: 2 });
    expect(tailLines('a\nb', 5)).toEqual({ text: 'a\nb', dropped: 0 });
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\nb\n')).toBe(2);
  });

  it('finds the Jira issues of a run: linked ones, then upper-case keys in its branch and commit', () => {
    expect(
      jiraKeysOf({
        links: [
          { title: 'PAY-12: Checkout fails' },
          { title: 'Open in Jenkins' },
          { title: 'PAY-12: again' },
        ],
        branch: 'feature/PAY-12-and-PAY-13',
        commitMessage: 'UTF-8 fix for OPS-7; see pay-9 and ISO-8601',
      }),
    ).toEqual({ linked: ['PAY-12'], mentioned: ['PAY-13', 'OPS-7'] });
    expect(jiraKeysOf({})).toEqual({ linked: [], mentioned: [] });
  });

  it('turns a failed read of the run itself into the status it deserves', () => {
    const error = (status?: number) =>
      runReadError(
        'Run r',
        new ActionReadError('pipelines:get-run', status, 'no'),
      );
    expect(error(404).name).toBe('NotFoundError');
    expect(error(403).name).toBe('NotAllowedError');
    expect(error(401).name).toBe('NotAllowedError');
    expect(error(400).name).toBe('InputError');
    expect(error(500).name).toBe('ServiceUnavailableError');
    expect(error(undefined).message).toBe(
      'Run r cannot be read: pipelines:get-run could not be called: no',
    );
    const other = new TypeError('bug');
    expect(runReadError('Run r', other)).toBe(other);
  });

  it('writes a test run as a Playwright-style log', () => {
    const { text, testIds } = testRunLog({
      runId: 'tr',
      suite: 'checkout',
      entityRef: 'component:default/web',
      status: 'failed',
      createdAt: '2025-03-12T09:00:00.000Z',
      counts: { passed: 1, failed: 1, flaky: 1, skipped: 1 },
      tests: [
        {
          testId: 'a',
          name: 'pays',
          status: 'failed',
          attempts: [
            {
              attempt: 1,
              status: 'failed',
              error: 'Error: boom\nat x',
              failedStep: 's1',
            },
          ],
        },
        {
          testId: 'b',
          name: 'browses',
          status: 'flaky',
          attempts: [
            { attempt: 1, status: 'failed', error: 'Error: slow' },
            { attempt: 2, status: 'passed' },
          ],
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'Test run tr of suite checkout: failed',
      '',
      '  1) [checkout] › pays ─────',
      '',
      '    Attempt 1 (step s1):',
      '    Error: boom',
      '    at x',
      '',
      '  2) [checkout] › browses (flaky: passed on a retry) ─────',
      '',
      '    Attempt 1:',
      '    Error: slow',
      '',
      '  1 failed',
      '    [checkout] › pays',
      '  1 flaky',
      '  1 skipped',
      '  1 passed',
    ]);
    expect(testIds).toHaveLength(text.split('\n').length);
    expect(testIds[5]).toBe('a');
    expect(testIds[11]).toBe('b');
  });
});

describe('readExplainLimits', () => {
  it('reads aiAssistant.failureAnalysis, defaults for the rest', () => {
    expect(readExplainLimits(new ConfigReader({}))).toEqual(
      DEFAULT_EXPLAIN_LIMITS,
    );
    expect(
      readExplainLimits(
        new ConfigReader({
          aiAssistant: { failureAnalysis: { greenRuns: 0, historyRuns: 10 } },
        }),
      ),
    ).toEqual({ ...DEFAULT_EXPLAIN_LIMITS, greenRuns: 0, historyRuns: 10 });
  });

  it('stops start-up on a value out of range, naming the key', () => {
    expect(() =>
      readExplainLimits(
        new ConfigReader({
          aiAssistant: { failureAnalysis: { maxLogLines: 5 } },
        }),
      ),
    ).toThrow(
      'aiAssistant.failureAnalysis.maxLogLines: 5 must be a whole number from 100 to 2000000',
    );
  });
});

describe('the OpenAI fake in demo mode', () => {
  it('answers the failure analyst with the JSON it asks for, from the evidence', async () => {
    const fake = await OpenAiFake.start({ mode: 'demo' });
    try {
      const ask = async (evidence: object[]) => {
        const res = await fetch(`${fake.url}/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${fake.apiKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            model: fake.model,
            stream: false,
            messages: [
              { role: 'system', content: `You are ${FAILURE_ANALYST_MARKER}.` },
              { role: 'user', content: JSON.stringify({ evidence }) },
            ],
          }),
        });
        const body = await res.json();
        return JSON.parse(body.choices[0].message.content);
      };
      expect(
        await ask([
          { id: 'E1', kind: 'run' },
          { id: 'E2', kind: 'log-excerpt' },
          {
            id: 'E3',
            kind: 'matched-rules',
            content: [
              { description: 'npm could not resolve', fix: 'Align versions' },
            ],
          },
        ]),
      ).toEqual({
        rootCause: 'Demo model (no AI): npm could not resolve',
        fix: 'Align versions',
        confidence: 'low',
        evidence: ['E2', 'E3'],
      });
      expect(await ask([])).toEqual(
        expect.objectContaining({
          rootCause: expect.stringContaining('no known failure cause matched'),
          evidence: [],
        }),
      );
    } finally {
      await fake.close();
    }
  });
});
