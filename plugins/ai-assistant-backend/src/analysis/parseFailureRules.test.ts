import fs from 'node:fs';
import path from 'node:path';
import { readRulesFixture } from './__fixtures__';
import {
  compileFailureRule,
  formatFailureRuleIssue,
  parseFailureRules,
} from './parseFailureRules';
import type { FailureRuleIssue } from './types';

const defaultRules = fs.readFileSync(
  path.join(__dirname, 'rules', 'default-rules.yaml'),
  'utf8',
);

const issueOf = (issues: FailureRuleIssue[], issuePath: string) => {
  const found = issues.find(issue => issue.path === issuePath);
  if (!found) {
    throw new Error(
      `no issue at ${issuePath}: ${JSON.stringify(issues, null, 2)}`,
    );
  }
  return found;
};

describe('parseFailureRules', () => {
  it('reads the shipped rules without a problem, covering every category the issue asks for', () => {
    const { rules, issues } = parseFailureRules(defaultRules, {
      source: 'default-rules.yaml',
    });
    expect(issues).toEqual([]);
    expect(new Set(rules.map(rule => rule.id)).size).toBe(rules.length);
    expect(new Set(rules.map(rule => rule.category))).toEqual(
      new Set([
        'package-install',
        'typescript',
        'lint',
        'test-failure',
        'out-of-memory',
        'timeout',
        'missing-configuration',
        'permission-denied',
        'port-in-use',
        'git-authentication',
        'network',
        'disk-space',
      ]),
    );
    // The engine looks for literal text first: every shipped pattern has some.
    for (const rule of rules) {
      for (const pattern of rule.patterns) {
        expect({
          rule: rule.id,
          field: pattern.field,
          literals: pattern.requiredLiterals,
        }).toEqual({
          rule: rule.id,
          field: pattern.field,
          literals: expect.any(Array),
        });
      }
    }
  });

  it('reports every problem of a bad rules file with the rule id, field and line', () => {
    const { rules, issues } = parseFailureRules(
      readRulesFixture('bad-rules.yaml'),
      {
        source: 'bad-rules.yaml',
      },
    );
    expect(rules.map(rule => rule.id)).toEqual(['fine-rule']);

    expect(issueOf(issues, 'rules[1].patterns[1]')).toEqual({
      ruleId: 'unclosed-group',
      field: 'patterns[1]',
      path: 'rules[1].patterns[1]',
      source: 'bad-rules.yaml',
      line: 15,
      column: 9,
      message:
        'invalid regular expression "getaddrinfo (ENOTFOUND": Unterminated group',
    });
    expect(issueOf(issues, 'rules[2].name')).toMatchObject({
      ruleId: 'missing-fields',
      line: 18,
      message: '"name" is missing',
    });
    expect(issueOf(issues, 'rules[2].category').message).toBe(
      '"category" is missing',
    );
    expect(issueOf(issues, 'rules[2].description').message).toBe(
      '"description" is missing',
    );
    expect(issueOf(issues, 'rules[3].pattern')).toMatchObject({
      ruleId: 'typo-in-key',
      line: 25,
      column: 5,
    });
    expect(issueOf(issues, 'rules[3].pattern').message).toContain(
      'unknown key "pattern"; a rule may have id, name, category, description, patterns',
    );
    expect(issueOf(issues, 'rules[3].pattern').message).toContain(
      'Did you mean "patterns"?',
    );
    expect(issueOf(issues, 'rules[3].patterns').message).toBe(
      'a rule needs at least one pattern, under "patterns" or "multiLinePatterns"',
    );
    expect(issueOf(issues, 'rules[4].patterns[0]')).toMatchObject({
      ruleId: 'catastrophic',
      line: 33,
    });
    expect(issueOf(issues, 'rules[4].patterns[0]').message).toContain(
      'is refused: nested quantifier: "(\\w+\\s?)+"',
    );
    expect(issueOf(issues, 'rules[5].description')).toMatchObject({
      ruleId: 'unknown-group',
      line: 42,
      message:
        '"description" uses {file}, but patterns[1] has no group named "file"; every pattern of a rule must have the groups its templates use',
    });
    expect(issueOf(issues, 'rules[6].id')).toMatchObject({
      ruleId: 'fine-rule',
      line: 44,
      message: 'duplicate id "fine-rule": rules[0] already uses it',
    });
    expect(issueOf(issues, 'rules[7].id').ruleId).toBeUndefined();
    expect(issueOf(issues, 'rules[7].id').message).toContain(
      '"id" "Bad_Category" must be lower-case letters',
    );
    expect(issueOf(issues, 'rules[7].category').message).toContain(
      '"category" "Out Of Memory" must be lower-case letters',
    );
    expect(issueOf(issues, 'rules[7].priority').message).toBe(
      '"priority" must be a whole number from -100 to 100, not string "high"',
    );
    expect(issueOf(issues, 'rules[8].patterns[0]').message).toBe(
      'pattern "x*" matches an empty line, so it would match every line',
    );
    expect(issueOf(issues, 'rules[9].multiLinePatterns[0]').message).toContain(
      '"[\\s\\S]*" repeats without bound something that matches line breaks and text',
    );
    expect(issueOf(issues, 'rules[9].multiLinePatterns[1]').message).toBe(
      'pattern "no line break here" never matches a line break; put single-line patterns under "patterns"',
    );
    expect(issueOf(issues, 'rules[10].description')).toMatchObject({
      line: 79,
      message:
        '"description" template: "{host" at character 10 is not a group reference such as {1} or {name}; write "{{" for a brace',
    });
    expect(issues).toHaveLength(16);
  });

  it('formats an issue as one line a person can act on', () => {
    const { issues } = parseFailureRules(readRulesFixture('bad-rules.yaml'), {
      source: 'bad-rules.yaml',
    });
    expect(
      formatFailureRuleIssue(issueOf(issues, 'rules[1].patterns[1]')),
    ).toBe(
      'bad-rules.yaml:15:9: rule "unclosed-group", patterns[1]: invalid regular expression "getaddrinfo (ENOTFOUND": Unterminated group',
    );
    expect(formatFailureRuleIssue(issueOf(issues, 'rules[7].priority'))).toBe(
      'bad-rules.yaml:54:15: rules[7].priority: "priority" must be a whole number from -100 to 100, not string "high"',
    );
    expect(
      formatFailureRuleIssue({
        field: 'rules',
        path: '',
        message: 'the "rules" list is missing',
      }),
    ).toBe('the "rules" list is missing');
  });

  it.each([
    ['rules: [', 'invalid YAML:', 1],
    ['- a\n- b\n', 'a rules file must be a mapping with a "rules" list', 1],
    ['version: 2\n', 'the "rules" list is missing', 1],
    ['rules:\n  id: x\n', '"rules" must be a list of rules', 2],
    [
      'rules: []\nrule: []\n',
      'unknown key "rule" at the top of a rules file; it may only have "rules"',
      2,
    ],
    [
      'rules:\n  - just a string\n',
      'a rule must be a mapping (id, name, …), not string "just a string"',
      2,
    ],
    [
      'rules:\n  - id: a\n    id: b\n',
      'invalid YAML: Map keys must be unique',
      3,
    ],
  ])('reports a broken file structure (%j)', (text, message, line) => {
    const { rules, issues } = parseFailureRules(text, { source: 'rules.yaml' });
    expect(rules).toEqual([]);
    const issue = issues.find(candidate => candidate.message.includes(message));
    expect(issue).toMatchObject({ line, source: 'rules.yaml' });
  });
});

describe('compileFailureRule', () => {
  const valid = {
    id: 'port-in-use',
    name: 'Port in use',
    category: 'port-in-use',
    patterns: ['EADDRINUSE: address already in use (?<address>\\S+)'],
    description: 'Something listens on {address}; {{literal}}.',
    fix: 'Free {address}.',
    priority: 3,
    ignoreCase: true,
  };

  it('compiles a rule given as an object, keeping its definition', () => {
    const { rule, issues } = compileFailureRule(valid);
    expect(issues).toEqual([]);
    expect(rule).toMatchObject({
      id: 'port-in-use',
      category: 'port-in-use',
      priority: 3,
      ignoreCase: true,
      definition: valid,
    });
    expect(rule!.patterns[0].lineRegex.flags).toBe('i');
    expect(rule!.patterns[0].scanRegex.flags).toBe('gim');
    expect(rule!.patterns[0].requiredLiterals).toEqual([
      'eaddrinuse: address already in use ',
    ]);
  });

  it.each([
    ['', 'a rule must be a mapping (id, name, …), not nothing', null],
    ['', 'a rule must be a mapping (id, name, …), not a list', ['x']],
    [
      'name',
      '"name" must be a non-empty string, not string "  "',
      { ...valid, name: '  ' },
    ],
    [
      'name',
      '"name" is longer than 2000 characters',
      { ...valid, name: 'x'.repeat(2001) },
    ],
    [
      'ignoreCase',
      '"ignoreCase" must be true or false, not string "yes"',
      { ...valid, ignoreCase: 'yes' },
    ],
    [
      'priority',
      '"priority" must be a whole number from -100 to 100, not number 2.5',
      { ...valid, priority: 2.5 },
    ],
    [
      'priority',
      '"priority" must be a whole number from -100 to 100, not number 101',
      { ...valid, priority: 101 },
    ],
    [
      'fix',
      '"fix" must be a non-empty string of at most 2000 characters, not number 42',
      { ...valid, fix: 42 },
    ],
    [
      'fix',
      '"fix" uses {port}, but patterns[0] has no group named "port"',
      { ...valid, fix: 'Free {port}.' },
    ],
    [
      'description',
      '"description" uses {2}, but patterns[0] has no capture group 2',
      { ...valid, description: 'Listens on {2}.' },
    ],
    [
      'description',
      'a lone "}" at character 3',
      { ...valid, description: 'a } b' },
    ],
    [
      'patterns',
      '"patterns" must be a list of regular expressions, not string "EADDRINUSE"',
      { ...valid, patterns: 'EADDRINUSE' },
    ],
    [
      'patterns[0]',
      'must be a non-empty string (a regular expression), not string ""',
      { ...valid, patterns: [''] },
    ],
    [
      'patterns[0]',
      'must be a non-empty string (a regular expression), not a mapping',
      { ...valid, patterns: [{ regex: 'x' }] },
    ],
    [
      'patterns[0]',
      'the pattern is longer than 2000 characters',
      { ...valid, patterns: ['x'.repeat(2001)] },
    ],
    [
      'patterns',
      'a rule needs at least one pattern',
      { ...valid, patterns: [] },
    ],
  ])('refuses a bad %s: %s', (field, message, value) => {
    const { rule, issues } = compileFailureRule(value, { path: 'rules[0]' });
    expect(rule).toBeUndefined();
    const issue = issues.find(candidate => candidate.field === field);
    expect(issue?.message).toContain(message);
    expect(issue?.path).toBe(field ? `rules[0].${field}` : 'rules[0]');
  });
});
