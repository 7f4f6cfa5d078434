import { TestDatabases } from '@backstage/backend-test-utils';
import type {
  AiFailureRulesTestResult,
  AiFailureRulesView,
} from '@internal/plugin-ai-assistant-common';
import { cometRun, uuid } from '../__testUtils__/explainFixtures';
import {
  ADA,
  ADMIN,
  startExplainBackend,
} from '../__testUtils__/explainTestBackend';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const CUSTOM_RULES = `# Payments' own failure causes
rules:
  - id: payments-db-pool
    name: Payments database pool exhausted
    category: flaky-infrastructure
    priority: 50
    patterns:
      - 'PaymentsDB: connection pool exhausted after (?<ms>\\d+) ms'
    description: 'The payments test database ran out of connections ({ms} ms).'
    fix: 'Re-run the job; if it repeats, ask #payments-infra to raise the pool size.'

  # Replaces the shipped rule of the same id
  - id: typescript-error
    name: TypeScript error (payments)
    category: typescript
    patterns:
      - 'error (?<code>TS\\d+):'
    description: 'The TypeScript compiler reported {code}.'
`;

const BROKEN_RULES = `rules:
  - id: broken
    name: Broken rule
    category: lint
    patterns:
      - 'unclosed (group'
    description: 'Never matches'
  - id: Bad Id
    name: x
    category: lint
    description: y
    patterns: ['z']
`;

describe('failure rules, through HTTP', () => {
  let backend: Awaited<ReturnType<typeof startExplainBackend>>;
  const rules = () =>
    backend
      .http()
      .get('/api/ai-assistant/rules')
      .set('authorization', backend.as(ADA));
  const put = (
    user: string,
    body: object | string,
    type = 'application/json',
  ) =>
    backend
      .http()
      .put('/api/ai-assistant/rules')
      .set('authorization', backend.as(user))
      .set('content-type', type)
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const test = (user: string, body: object) =>
    backend
      .http()
      .post('/api/ai-assistant/rules/test')
      .set('authorization', backend.as(user))
      .send(body);

  beforeAll(async () => {
    backend = await startExplainBackend({
      knex: await databases.init('SQLITE_3'),
    });
    const run = cometRun({
      n: 1,
      status: 'failed',
      finishedAt: '2025-03-11T10:00:00.000Z',
      log: [
        '$ yarn test --ci',
        'PaymentsDB: connection pool exhausted after 30000 ms',
        'error Command failed with exit code 1.',
      ].join('\n'),
    });
    backend.state.cometRuns.set(run.run.runId, run);
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('shows the shipped rules and no administrators’ rules at first', async () => {
    const res = await rules();
    expect(res.status).toBe(200);
    const view: AiFailureRulesView = res.body;
    expect(view.shipped.yaml).toContain('rules:');
    expect(view.shipped.rules.length).toBeGreaterThan(30);
    expect(view.shipped.rules).toContainEqual({
      id: 'npm-eresolve',
      name: 'npm could not resolve the dependency tree',
      category: 'package-install',
      priority: 20,
    });
    expect(view.custom).toEqual({ yaml: '', rules: [], version: 0 });
    expect(view.overridden).toEqual([]);
  });

  it('lets only rule managers change or test rules, checked before the body is read', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const denied = await put(ADA, { yaml: big });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe(
      'You may not change the failure rules (ai-assistant.rules.manage)',
    );
    const testDenied = await test(ADA, { rule: 'id: x', log: big });
    expect(testDenied.status).toBe(403);
    expect((await rules()).body.custom.version).toBe(0);
  });

  it('refuses invalid rules with every problem, its line and column, and saves nothing', async () => {
    const res = await put(ADMIN, { yaml: BROKEN_RULES });
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(
      /^The rules have \d+ problems; nothing was saved\./,
    );
    expect(res.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ruleId: 'broken',
          field: 'patterns[0]',
          path: 'rules[0].patterns[0]',
          line: 6,
          column: 9,
          message: expect.stringContaining('regular expression'),
        }),
        expect.objectContaining({ field: 'id', line: 8 }),
      ]),
    );
    const yamlError = await put(ADMIN, { yaml: 'rules: [\n' });
    expect(yamlError.status).toBe(400);
    expect(yamlError.body.issues[0]).toEqual(
      expect.objectContaining({
        message: expect.stringContaining('invalid YAML'),
        line: expect.any(Number),
      }),
    );
    const notText = await put(ADMIN, { yaml: 42 });
    expect(notText.status).toBe(400);
    expect(notText.body.error.message).toContain('Invalid body field "yaml"');
    expect((await rules()).body.custom.version).toBe(0);
  });

  it('saves valid rules as a new version, audited, and every explanation uses them', async () => {
    const before = await backend.explain(ADA, { runId: uuid(1) });
    expect(before.explanation.category).not.toBe('flaky-infrastructure');

    const res = await put(ADMIN, { yaml: CUSTOM_RULES, baseVersion: 0 });
    expect(res.status).toBe(200);
    const view: AiFailureRulesView = res.body;
    expect(view.custom).toEqual({
      yaml: CUSTOM_RULES,
      rules: [
        {
          id: 'payments-db-pool',
          name: 'Payments database pool exhausted',
          category: 'flaky-infrastructure',
          priority: 50,
        },
        {
          id: 'typescript-error',
          name: 'TypeScript error (payments)',
          category: 'typescript',
          priority: 0,
        },
      ],
      version: 1,
      updatedAt: expect.any(String),
      updatedBy: ADMIN,
    });
    expect(view.overridden).toEqual(['typescript-error']);
    expect(backend.audits).toContainEqual(
      expect.objectContaining({
        eventId: 'failure-rules-update',
        outcome: 'success',
        meta: expect.objectContaining({
          ruleCount: 2,
          ruleIds: ['payments-db-pool', 'typescript-error'],
          baseVersion: 0,
          version: 1,
        }),
      }),
    );

    const after = await backend.explain(ADA, { runId: uuid(1) });
    expect(after.explanation.category).toBe('flaky-infrastructure');
    expect(after.explanation.matchedRules[0]).toEqual(
      expect.objectContaining({
        ruleId: 'payments-db-pool',
        source: 'custom',
        description:
          'The payments test database ran out of connections (30000 ms).',
      }),
    );
    expect(after.explanation.suggestedFix).toContain('#payments-infra');
  });

  it('refuses a save over a version the editor did not start from', async () => {
    const res = await put(ADMIN, { yaml: 'rules: []\n', baseVersion: 0 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(
      'saved by someone else since version 0',
    );
    expect(backend.audits).toContainEqual(
      expect.objectContaining({
        eventId: 'failure-rules-update',
        outcome: 'fail',
      }),
    );
    expect((await rules()).body.custom.version).toBe(1);
  });

  it('tests one rule, or a rules file, against a log, with the lines it matched', async () => {
    const log = [
      'Starting tests',
      'PaymentsDB: connection pool exhausted after 1200 ms',
      'retrying',
      'PaymentsDB: connection pool exhausted after 2400 ms',
    ].join('\n');
    const one = await test(ADMIN, {
      rule: `id: pool\nname: Pool\ncategory: infra\npatterns:\n  - 'exhausted after (\\d+) ms'\ndescription: 'Pool gone after {1} ms'\n`,
      log,
    });
    expect(one.status).toBe(200);
    const result: AiFailureRulesTestResult = one.body;
    expect(result).toEqual({
      ok: true,
      results: [
        {
          ruleId: 'pool',
          name: 'Pool',
          category: 'infra',
          matchCount: 2,
          matches: [
            expect.objectContaining({
              line: 2,
              endLine: 2,
              text: ['PaymentsDB: connection pool exhausted after 1200 ms'],
              description: 'Pool gone after 1200 ms',
            }),
            expect.objectContaining({
              line: 4,
              description: 'Pool gone after 2400 ms',
            }),
          ],
        },
      ],
      logLines: 4,
      durationMs: expect.any(Number),
      warnings: [],
    });

    const file = await test(ADMIN, { rules: CUSTOM_RULES, log });
    expect(
      file.body.results.map((r: { ruleId: string; matchCount: number }) => [
        r.ruleId,
        r.matchCount,
      ]),
    ).toEqual([
      ['payments-db-pool', 2],
      ['typescript-error', 0],
    ]);
    const picked = await test(ADMIN, {
      rules: CUSTOM_RULES,
      ruleId: 'typescript-error',
      log: 'src/a.ts(1,1): error TS2322: no',
    });
    expect(picked.body.results).toEqual([
      expect.objectContaining({
        ruleId: 'typescript-error',
        matches: [
          expect.objectContaining({
            description: 'The TypeScript compiler reported TS2322.',
          }),
        ],
      }),
    ]);

    const invalid = await test(ADMIN, {
      rule: "id: x\nname: X\ncategory: lint\npatterns: ['(a+)+$']\ndescription: d\n",
      log,
    });
    expect(invalid.body).toEqual({
      ok: false,
      issues: [
        expect.objectContaining({
          field: 'patterns[0]',
          line: 4,
          message: expect.stringContaining('exponential'),
        }),
      ],
    });
    const unknown = await test(ADMIN, {
      rules: CUSTOM_RULES,
      ruleId: 'nope',
      log,
    });
    expect(unknown.body).toEqual({
      ok: false,
      issues: [
        {
          field: 'ruleId',
          path: 'ruleId',
          message: 'there is no rule "nope" in the rules',
        },
      ],
    });
    const empty = await test(ADMIN, { rules: '# nothing yet\n', log });
    expect(empty.body.issues[0].message).toBe('there are no rules to test');
    const badFile = await test(ADMIN, { rules: BROKEN_RULES, log });
    expect(badFile.body.ok).toBe(false);
    const neither = await test(ADMIN, { log });
    expect(neither.status).toBe(400);
    expect(neither.body.error.message).toBe(
      'Invalid body field "rule": give either rule (one rule) or rules (a rules file)',
    );
  });

  it('takes the rules as YAML text too, and an empty file goes back to the shipped rules', async () => {
    const res = await put(ADMIN, '# none for now\n', 'text/yaml');
    expect(res.status).toBe(200);
    expect(res.body.custom).toEqual(
      expect.objectContaining({
        yaml: '# none for now\n',
        rules: [],
        version: 2,
      }),
    );
    expect(res.body.overridden).toEqual([]);
    const { explanation } = await backend.explain(ADA, { runId: uuid(1) });
    expect(explanation.category).not.toBe('flaky-infrastructure');
  });
});
