import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type {
  AiExplainRunRequest,
  AiFailureExplanation,
  AiFailureRulesTestRequest,
  AiFailureRulesTestResult,
  AiFailureRulesView,
} from '@internal/plugin-ai-assistant-common';
import type { ReactElement } from 'react';
import { type ExplainFailureApi, explainFailureApiRef } from '../api';

export const RUN_URL = 'http://comet.example/pipelines/runs/run-5';

/** An explanation of a failed Comet run, as the backend answers it offline. */
export function explanation(
  overrides: Partial<AiFailureExplanation> = {},
): AiFailureExplanation {
  return {
    run: {
      kind: 'comet',
      runId: 'run-5',
      title: 'component:default/payments-web · ci #5',
      status: 'failed',
      entityRef: 'component:default/payments-web',
      pipeline: 'ci',
      failedStep: 'test › yarn test',
      url: RUN_URL,
    },
    category: 'test-failure',
    summary:
      'Failed test suite (Jest) (line 7): Jest reported a failing test file: src/components/InvoiceTable.test.tsx. Seen in 1 earlier run since 2025-03-10T12:00:00.000Z; last fixed by commit cccc00000000 (run run-3) on 2025-03-10T16:00:00.000Z.',
    firstErrorLines: [
      { line: 6, text: 'PASS src/api/client.test.ts', url: `${RUN_URL}#L7` },
      {
        line: 7,
        text: 'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
        url: `${RUN_URL}#L8`,
      },
      { line: 8, text: '  ● InvoiceTable › renders the total' },
    ],
    suggestedFix:
      'Run the failing test file locally and read its first failure.',
    matchedRules: [
      {
        ruleId: 'jest-failed-suite',
        name: 'Failed test suite (Jest)',
        category: 'test-failure',
        description:
          'Jest reported a failing test file: src/components/InvoiceTable.test.tsx',
        lines: [
          {
            line: 7,
            text: 'FAIL src/components/InvoiceTable.test.tsx',
            url: `${RUN_URL}#L8`,
          },
        ],
        matchCount: 1,
        source: 'shipped',
      },
      {
        ruleId: 'payments-flaky',
        name: 'Payments flaky database',
        category: 'flaky-infrastructure',
        description: 'The pool ran dry',
        lines: [{ line: 30, text: 'pool exhausted' }],
        matchCount: 3,
        alsoInGreenRuns: true,
        source: 'custom',
      },
    ],
    fingerprint: 'ab12cd34ef56'.padEnd(64, '0'),
    similarRuns: {
      seenCount: 1,
      firstSeenAt: '2025-03-10T12:00:00.000Z',
      lastSeenAt: '2025-03-10T12:00:00.000Z',
      runs: [
        { runId: 'run-2', url: 'http://comet.example/pipelines/runs/run-2' },
      ],
      lastFixedBy: {
        runId: 'run-3',
        url: 'http://comet.example/pipelines/runs/run-3',
        commit: 'cccc000000000003',
        commitUrl:
          'https://github.com/acme/payments-web/commit/cccc000000000003',
        finishedAt: '2025-03-10T16:00:00.000Z',
      },
      fixedSinceLastSeen: true,
      summary:
        'Seen in 1 earlier run since 2025-03-10T12:00:00.000Z; last fixed by commit cccc00000000 (run run-3) on 2025-03-10T16:00:00.000Z.',
      comparedRuns: 4,
    },
    newLines: {
      lines: [
        {
          line: 7,
          text: 'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
          url: `${RUN_URL}#L8`,
        },
        { line: 30, text: 'Tests:       2 failed, 41 passed, 43 total' },
      ],
      total: 2,
      truncated: false,
      greenRuns: 2,
    },
    exitCode: 1,
    log: {
      source: 'the log of job test (39 lines)',
      lines: 39,
      characters: 2400,
    },
    unread: [
      {
        what: 'the SonarQube quality gate',
        reason: 'sonarqube:get-quality-gate answered 404: no project key',
      },
    ],
    warnings: [
      'The log has 250,000 lines; only its last 200,000 were analysed.',
    ],
    model: {
      status: 'not-configured',
      message:
        'The AI assistant has no model provider: set aiAssistant.provider.baseUrl in app-config. This is the offline analysis.',
    },
    analysedAt: '2025-03-11T10:06:00.000Z',
    durationMs: 42,
    ...overrides,
  };
}

export function rulesView(
  overrides: Partial<AiFailureRulesView> = {},
): AiFailureRulesView {
  return {
    shipped: {
      yaml: 'rules:\n  - id: npm-eresolve\n',
      rules: [
        {
          id: 'npm-eresolve',
          name: 'npm could not resolve',
          category: 'package-install',
          priority: 20,
        },
        {
          id: 'typescript-error',
          name: 'TypeScript error',
          category: 'typescript',
          priority: 10,
        },
      ],
    },
    custom: {
      yaml: 'rules:\n  - id: typescript-error\n    name: Ours\n',
      rules: [
        {
          id: 'typescript-error',
          name: 'Ours',
          category: 'typescript',
          priority: 0,
        },
      ],
      version: 1,
      updatedAt: '2025-03-11T10:00:00.000Z',
      updatedBy: 'user:default/admin',
    },
    overridden: ['typescript-error'],
    ...overrides,
  };
}

/** An in-memory API whose answers tests set, recording what it was asked. */
export class FakeExplainFailureApi implements ExplainFailureApi {
  readonly explained: AiExplainRunRequest[] = [];
  readonly saved: Array<{ yaml: string; baseVersion: number }> = [];
  readonly tested: AiFailureRulesTestRequest[] = [];
  rulesLoads = 0;
  explainAnswers: Array<() => Promise<AiFailureExplanation>> = [];
  rules: () => Promise<AiFailureRulesView> = async () => rulesView();
  save: (yaml: string, baseVersion: number) => Promise<AiFailureRulesView> =
    async (yaml, baseVersion) =>
      rulesView({
        custom: {
          ...rulesView().custom,
          yaml,
          version: baseVersion + 1,
        },
      });
  test: (
    request: AiFailureRulesTestRequest,
  ) => Promise<AiFailureRulesTestResult> = async () => ({
    ok: true,
    results: [],
    logLines: 0,
    durationMs: 1,
    warnings: [],
  });

  async explainRun(request: AiExplainRunRequest) {
    this.explained.push(request);
    const next = this.explainAnswers.shift();
    return next ? next() : explanation();
  }

  async getRules() {
    this.rulesLoads += 1;
    return this.rules();
  }

  async saveRules(yaml: string, baseVersion: number) {
    this.saved.push({ yaml, baseVersion });
    return this.save(yaml, baseVersion);
  }

  async testRules(request: AiFailureRulesTestRequest) {
    this.tested.push(request);
    return this.test(request);
  }
}

/** Renders `element` in a test app with `api`; `deny` lists permissions the user lacks. */
export function renderWithApi(
  element: ReactElement,
  api: ExplainFailureApi,
  options: { deny?: string[] } = {},
) {
  const deny = options.deny ?? [];
  return renderInTestApp(element, {
    apis: [
      [explainFailureApiRef, api],
      [
        permissionApiRef,
        mockApis.permission.mock({
          authorize: async request => ({
            result: (deny.includes(request.permission.name)
              ? 'DENY'
              : 'ALLOW') as any,
          }),
        }),
      ],
    ],
  });
}
