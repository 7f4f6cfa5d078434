import { readLogFixture } from './__fixtures__';
import { MAX_TEST_LOG_CHARS, testFailureRule } from './testFailureRule';

const RULE = `
id: acme-registry-down
name: ACME registry unreachable
category: network
patterns:
  - 'request to (?<url>https://npm\\.internal\\.acme\\.example\\S*) failed'
description: 'The ACME registry did not answer for {url}.'
fix: 'Check the VPN of the runner.'
`;

describe('testFailureRule', () => {
  it('gives the matches of a rule written in YAML, with line numbers and the rendered description', () => {
    const result = testFailureRule({
      rule: RULE,
      log: readLogFixture('dns-failure.log'),
    });
    expect(result).toEqual({
      ok: true,
      ruleId: 'acme-registry-down',
      category: 'network',
      matches: [
        {
          line: 5,
          endLine: 5,
          text: [
            'npm error network request to https://npm.internal.acme.example/@acme%2fdesign-tokens failed, reason: getaddrinfo ENOTFOUND npm.internal.acme.example',
          ],
          groups: {
            '1': 'https://npm.internal.acme.example/@acme%2fdesign-tokens',
            url: 'https://npm.internal.acme.example/@acme%2fdesign-tokens',
          },
          description:
            'The ACME registry did not answer for https://npm.internal.acme.example/@acme%2fdesign-tokens.',
          fix: 'Check the VPN of the runner.',
        },
      ],
      matchCount: 1,
      logLines: 11,
      durationMs: expect.any(Number),
      warnings: [],
    });
  });

  it('takes a one-item list as pasted from a rules file, or a parsed object', () => {
    const listed = testFailureRule({
      rule: `- ${RULE.trim().replace(/\n/g, '\n  ')}`,
      log: 'nothing here',
    });
    expect(listed).toMatchObject({
      ok: true,
      ruleId: 'acme-registry-down',
      matches: [],
      matchCount: 0,
    });
    const parsed = testFailureRule({
      rule: {
        id: 'x',
        name: 'X',
        category: 'test',
        description: 'd',
        patterns: ['boom'],
      },
      log: 'a\nboom\nboom again',
      limits: { maxMatchesPerRule: 1 },
    });
    expect(parsed).toMatchObject({
      ok: true,
      matchCount: 1,
      stoppedBy: 'match-limit',
    });
  });

  it('gives the rule’s problems, with lines, instead of matches', () => {
    const result = testFailureRule({
      rule: `id: broken\nname: Broken\ncategory: network\npatterns:\n  - 'fine'\n  - 'request to (unclosed'\ndescription: x\nseverity: high\n`,
      log: 'anything',
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          ruleId: 'broken',
          field: 'severity',
          path: 'severity',
          line: 8,
          column: 1,
          message: expect.stringContaining('unknown key "severity"'),
        },
        {
          ruleId: 'broken',
          field: 'patterns[1]',
          path: 'patterns[1]',
          line: 6,
          column: 5,
          message:
            'invalid regular expression "request to (unclosed": Unterminated group',
        },
      ],
    });
    expect(testFailureRule({ rule: { id: 'x' }, log: 'a' })).toMatchObject({
      ok: false,
      issues: [
        { field: 'name', message: '"name" is missing' },
        { field: 'category' },
        { field: 'description' },
        { field: 'patterns' },
      ],
    });
  });

  it('reports YAML that does not parse, and a log it cannot take', () => {
    expect(testFailureRule({ rule: 'id: [unclosed', log: 'a' })).toEqual({
      ok: false,
      issues: [
        expect.objectContaining({
          line: 1,
          message: expect.stringMatching(/^invalid YAML: /),
        }),
      ],
    });
    expect(testFailureRule({ rule: '- a\n- b\n', log: 'a' })).toMatchObject({
      ok: false,
      issues: [
        {
          message: 'a rule must be a mapping (id, name, …), not a list',
          line: 1,
        },
      ],
    });
    expect(testFailureRule({ rule: '', log: 'a' })).toMatchObject({
      ok: false,
      issues: [
        { message: 'a rule must be a mapping (id, name, …), not nothing' },
      ],
    });
    expect(
      testFailureRule({ rule: RULE, log: 42 as unknown as string }),
    ).toEqual({
      ok: false,
      issues: [{ field: 'log', path: 'log', message: 'the log must be text' }],
    });
    expect(
      testFailureRule({
        rule: RULE,
        log: { length: MAX_TEST_LOG_CHARS + 1 } as unknown as string,
      }),
    ).toMatchObject({ ok: false });
    const huge = testFailureRule({
      rule: RULE,
      log: 'x'.repeat(MAX_TEST_LOG_CHARS + 1),
    });
    expect(huge).toEqual({
      ok: false,
      issues: [
        {
          field: 'log',
          path: 'log',
          message: `the log has ${
            MAX_TEST_LOG_CHARS + 1
          } characters; a rule can be tested against at most ${MAX_TEST_LOG_CHARS}`,
        },
      ],
    });
  });

  it('says when the rule was too slow for the log', () => {
    const result = testFailureRule({
      rule: {
        id: 'slow',
        name: 'Slow',
        category: 'test',
        description: 'd',
        patterns: ['^[a-z]+ [0-9]+$'],
      },
      log: 'word x\n'.repeat(60_000),
      limits: { ruleTimeBudgetMs: 0 },
    });
    expect(result).toMatchObject({
      ok: true,
      matchCount: 0,
      stoppedBy: 'time-budget',
    });
    expect(result.ok && result.warnings[0]).toContain(
      'Rule "slow" was stopped after',
    );
  });
});
