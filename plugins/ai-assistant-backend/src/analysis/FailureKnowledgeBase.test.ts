import { InputError } from '@backstage/errors';
import path from 'node:path';
import { readLogFixture, readRulesFixture } from './__fixtures__';
import { FailureKnowledgeBase } from './FailureKnowledgeBase';
import { LogText } from './LogText';
import { compileFailureRule } from './parseFailureRules';
import type { FailureRuleDefinition } from './types';

const knowledgeBase = FailureKnowledgeBase.default();

function ruleBase(...definitions: FailureRuleDefinition[]) {
  return FailureKnowledgeBase.fromRules(
    definitions.map(definition => {
      const { rule, issues } = compileFailureRule(definition);
      if (!rule) {
        throw new Error(JSON.stringify(issues));
      }
      return rule;
    }),
  );
}

/** One line (or a few) of real tool output per shipped rule, and what it should say. */
const SAMPLES: Record<string, [string, string]> = {
  'npm-eresolve-peer': [
    'npm ERR! Could not resolve dependency:\nnpm ERR! peer react@"^17.0.0" from react-dom@17.0.2',
    'npm could not resolve the dependency tree: react-dom@17.0.2 needs peer react@"^17.0.0", which the installed version does not satisfy.',
  ],
  'npm-eresolve': [
    'npm ERR! code ERESOLVE',
    'npm could not resolve the dependency tree (ERESOLVE): packages ask for incompatible versions of a dependency.',
  ],
  'package-not-found': [
    "npm ERR! 404  'left-pad-xyz@^1.0.0' is not in this registry.",
    'The package registry has no left-pad-xyz@^1.0.0 (404 Not Found).',
  ],
  'package-version-not-found': [
    'npm error notarget No matching version found for react@99.0.0.',
    'No published version of react@99.0.0 matches the requested range (ETARGET).',
  ],
  'package-integrity': [
    'npm ERR! code EINTEGRITY',
    'A downloaded package does not match the checksum recorded in the lockfile (integrity check failed).',
  ],
  'registry-authentication': [
    'npm error code E401',
    'The package registry refused the request (401/403): the job has no valid token for it.',
  ],
  'pip-no-matching-distribution': [
    'ERROR: Could not find a version that satisfies the requirement numpy==9.9.9 (from versions: 1.26.4, 2.0.0)',
    'pip found no distribution of numpy==9.9.9 for this Python version and platform.',
  ],
  'pip-resolution-impossible': [
    'ERROR: Cannot install fastapi==0.110.0 and pydantic==1.10.0 because these package versions have conflicting dependencies.',
    'pip could not find versions of the requirements that fit together (ResolutionImpossible).',
  ],
  'typescript-error': [
    "src/index.ts:3:7 - error TS2322: Type 'number' is not assignable to type 'string'.",
    "TypeScript error TS2322 in src/index.ts at line 3: Type 'number' is not assignable to type 'string'.",
  ],
  'typescript-config-error': [
    "error TS5023: Unknown compiler option 'strictest'.",
    "TypeScript error TS5023: Unknown compiler option 'strictest'.",
  ],
  'eslint-problems': [
    '✖ 12 problems (5 errors, 7 warnings)',
    'ESLint found 5 errors (12 problems in all).',
  ],
  'eslint-error': [
    '  88:1   error  Unexpected console statement  no-console',
    'ESLint rule no-console failed at line 88: Unexpected console statement',
  ],
  'eslint-max-warnings': [
    'ESLint found too many warnings (maximum: 0).',
    'ESLint found more warnings than the 0 allowed (--max-warnings).',
  ],
  'jest-failed-suite': [
    ' FAIL  src/ledger.test.ts > ledger > posts',
    'Tests in src/ledger.test.ts failed.',
  ],
  'jest-failed-test': [
    '  ● Ledger › refunds a partial amount',
    'Test failed: Ledger › refunds a partial amount',
  ],
  'jest-suite-failed-to-run': [
    '  ● Test suite failed to run',
    'A Jest test file failed before any test ran: it did not compile or threw while loading.',
  ],
  'jest-summary': [
    'Tests:       3 failed, 40 passed, 43 total',
    '3 tests failed.',
  ],
  'playwright-failed-test': [
    '  2) [firefox] › tests/login.spec.ts:8:5 › logs in with SSO ─────────',
    'Playwright test failed in firefox: tests/login.spec.ts:8:5 › logs in with SSO',
  ],
  'playwright-summary': [
    '  2 failed\n    [firefox] › tests/login.spec.ts:8:5 › logs in with SSO',
    '2 Playwright tests failed, the first: [firefox] tests/login.spec.ts:8:5 › logs in with SSO',
  ],
  'mocha-failing': ['  3 failing', '3 Mocha tests failed.'],
  'pytest-summary': [
    '==== 2 failed, 10 passed in 1.05s ====',
    'pytest: 2 tests failed.',
  ],
  'pytest-failed-test': [
    'FAILED tests/test_api.py::test_login - AssertionError',
    'pytest test failed: tests/test_api.py::test_login',
  ],
  'node-heap-out-of-memory': [
    'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    'Node.js ran out of heap memory and aborted.',
  ],
  'killed-out-of-memory': [
    'Error: Process completed with exit code 137.',
    'The process was killed, most likely by the out-of-memory killer (OOMKilled, exit code 137).',
  ],
  'jvm-out-of-memory': [
    'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
    'The JVM ran out of memory (Java heap space).',
  ],
  'jest-timeout': [
    '    thrown: "Exceeded timeout of 5000 ms for a hook.',
    'A Jest test or hook exceeded its 5000 ms timeout.',
  ],
  'mocha-timeout': [
    '     Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is called',
    'A Mocha test exceeded its 2000 ms timeout.',
  ],
  'playwright-timeout': [
    '    Test timeout of 30000ms exceeded.',
    'A Playwright test exceeded its 30000 ms timeout.',
  ],
  'job-timeout': [
    '##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution time of 60 minutes.',
    'The job or a step ran past its time limit and was stopped.',
  ],
  'missing-environment-variable': [
    "Error: Missing required config value at 'jira.apiToken' in 'app-config.yaml'",
    'The environment variable or setting jira.apiToken is not set.',
  ],
  'permission-denied': [
    '/bin/sh: 1: ./deploy.sh: Permission denied',
    'Permission denied on ./deploy.sh.',
  ],
  'port-in-use': [
    'listen tcp :8080: bind: address already in use',
    'Another process already listens on :8080 (EADDRINUSE).',
  ],
  'address-in-use': [
    'OSError: [Errno 98] Address already in use',
    'Another process already listens on the port this one needs.',
  ],
  'git-authentication': [
    "fatal: could not read Username for 'https://github.com': No such device or address",
    'Git could not authenticate to https://github.com.',
  ],
  'git-ssh-authentication': [
    'git@github.com: Permission denied (publickey).',
    "The Git server refused the job's key or credentials.",
  ],
  'dns-not-found': [
    "fatal: unable to access 'https://gitlab.acme.example/x.git/': Could not resolve host: gitlab.acme.example",
    'The host gitlab.acme.example could not be resolved (DNS).',
  ],
  'connection-refused': [
    'curl: (7) Failed to connect to localhost port 8080 after 0 ms: Connection refused',
    'Nothing accepted connections at localhost port 8080 (connection refused).',
  ],
  'network-timeout': [
    'npm ERR! network request to https://registry.example.org/react failed, reason: connect ETIMEDOUT 104.16.0.35:443',
    'The connection to https://registry.example.org/react timed out or was reset.',
  ],
  'disk-full': [
    'Error: ENOSPC: no space left on device, write',
    'The runner ran out of disk space.',
  ],
};

describe('FailureKnowledgeBase', () => {
  it('has a sample for every shipped rule, and each rule matches its sample with the right description', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(
      knowledgeBase.rules.map(rule => rule.id).sort(),
    );
    for (const [id, [sample, description]] of Object.entries(SAMPLES)) {
      const log = LogText.from(`some output\n${sample}\nmore output\n`);
      const matched = knowledgeBase
        .match(log)
        .rules.find(rule => rule.id === id);
      expect({
        id,
        description: matched?.description,
        line: matched?.matches[0].line,
      }).toEqual({
        id,
        description,
        line: 2,
      });
    }
  });

  it.each([
    ['npm-eresolve.log', ['npm-eresolve@6', 'npm-eresolve-peer@14']],
    ['tsc.log', ['typescript-error@3']],
    [
      'jest-failure.log',
      [
        'jest-failed-suite@5',
        'jest-failed-test@6',
        'jest-timeout@25',
        'jest-summary@33',
      ],
    ],
    [
      'playwright-failure.log',
      [
        'playwright-failed-test@8',
        'playwright-timeout@10',
        'playwright-summary@30',
      ],
    ],
    ['node-oom.log', ['node-heap-out-of-memory@11']],
    ['oom-killed.log', ['killed-out-of-memory@10']],
    ['git-auth.log', ['git-ssh-authentication@16', 'git-authentication@17']],
    ['dns-failure.log', ['dns-not-found@5']],
    ['eslint.log', ['eslint-error@4', 'eslint-problems@10']],
    ['pytest.log', ['pytest-failed-test@22', 'pytest-summary@23']],
    ['missing-env.log', ['missing-environment-variable@4']],
    ['port-in-use.log', ['port-in-use@8']],
    ['permission-denied.log', ['permission-denied@6']],
  ])('matches %s', (fixture, expected) => {
    const { rules, warnings } = knowledgeBase.match(
      LogText.from(readLogFixture(fixture)),
    );
    expect(rules.map(rule => `${rule.id}@${rule.matches[0].line}`)).toEqual(
      expected,
    );
    expect(warnings).toEqual([]);
  });

  it('gives each match its lines, groups and rendered description and fix', () => {
    const { rules } = knowledgeBase.match(
      LogText.from(readLogFixture('tsc.log')),
    );
    const [typescript] = rules;
    expect(typescript.matchCount).toBe(3);
    expect(typescript.stoppedBy).toBeUndefined();
    expect(typescript.matches[1]).toEqual({
      line: 5,
      endLine: 5,
      text: [
        "src/api/client.ts(118,23): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'.",
      ],
      groups: {
        '1': 'src/api/client.ts',
        '2': '118',
        '3': '23',
        '4': 'TS2345',
        '5': "Argument of type 'number' is not assignable to parameter of type 'string'.",
        file: 'src/api/client.ts',
        line: '118',
        column: '23',
        code: 'TS2345',
        message:
          "Argument of type 'number' is not assignable to parameter of type 'string'.",
      },
      description:
        "TypeScript error TS2345 in src/api/client.ts at line 118: Argument of type 'number' is not assignable to parameter of type 'string'.",
      fix: 'Fix the type error at src/api/client.ts:118:23; run the type check locally (yarn tsc) to see every error.',
    });
    const { rules: multiLine } = knowledgeBase.match(
      LogText.from(readLogFixture('npm-eresolve.log')),
    );
    expect(
      multiLine.find(rule => rule.id === 'npm-eresolve-peer')?.matches[0],
    ).toMatchObject({
      line: 14,
      endLine: 15,
      text: [
        'npm error Could not resolve dependency:',
        'npm error peer react@"^16.8.0 || ^17.0.0" from react-beautiful-dnd@13.1.1',
      ],
    });
  });

  it('stops a rule at its cap of matches and says so', () => {
    const log = LogText.from(
      Array.from(
        { length: 30 },
        (_, index) =>
          `src/a${index}.ts(1,1): error TS2304: Cannot find name 'x${index}'.`,
      ).join('\n'),
    );
    const [typescript] = knowledgeBase.match(log, {
      maxMatchesPerRule: 5,
    }).rules;
    expect(typescript.matchCount).toBe(5);
    expect(typescript.stoppedBy).toBe('match-limit');
    expect(typescript.matches.map(match => match.line)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it('stops a rule that uses up its time budget, with a warning naming it', () => {
    const base = ruleBase({
      id: 'slow',
      name: 'No literal to look for',
      category: 'test',
      description: 'matched',
      patterns: ['^[a-z]+ [0-9]+ [a-z]+ [0-9]+$'],
    });
    const log = LogText.from(
      `${'word 1 word x\n'.repeat(50_000)}word 1 word 2\n`,
    );
    const report = base.match(log, { ruleTimeBudgetMs: 0 });
    expect(report.rules).toEqual([]);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^Rule "slow" was stopped after \d+ ms \(its budget is 0 ms\): its patterns are too slow for this log, so it may have missed matches\.$/,
      ),
    ]);
    // With its budget it reaches the end of the log.
    expect(base.match(log).rules[0].matches[0].line).toBe(50_001);
  });

  it('finds a multi-line match that starts at the end of one chunk and ends in the next', () => {
    const lines = Array.from(
      { length: 6000 },
      (_, index) =>
        `filler line ${String(index).padStart(5, '0')} ${'.'.repeat(80)}`,
    );
    const boundary = [...LogText.from(lines.join('\n')).chunks(256 * 1024)][0]
      .lastLine;
    lines[boundary - 1] = `START of the thing ${'.'.repeat(
      lines[boundary - 1].length - 19,
    )}`;
    lines[boundary] = `END of the thing ${'.'.repeat(
      lines[boundary].length - 17,
    )}`;
    const base = ruleBase({
      id: 'straddle',
      name: 'Across chunks',
      category: 'test',
      description: 'matched',
      multiLinePatterns: ['START of the thing[^\\n]*\\nEND of'],
    });
    const [rule] = base.match(LogText.from(lines.join('\n'))).rules;
    expect(rule.matches.map(match => [match.line, match.endLine])).toEqual([
      [boundary, boundary + 1],
    ]);
  });

  it('still matches every rule in a chunk with too many literal hits to look at one by one', () => {
    const log = LogText.from(
      `${'FAIL src/x.test.ts (not quite)\n'.repeat(
        5000,
      )}Error: listen EADDRINUSE: address already in use :::3000\n`,
    );
    const { rules } = knowledgeBase.match(log, { maxMatchesPerRule: 3 });
    expect(
      rules.map(rule => [rule.id, rule.matchCount, rule.stoppedBy]),
    ).toEqual([
      ['jest-failed-suite', 3, 'match-limit'],
      ['port-in-use', 1, undefined],
    ]);
  });

  it('scans a chunk when a literal is on many lines, and keeps single-line matches on one line', () => {
    const noise = Array.from(
      { length: 100 },
      (_, index) => `step ${index} › ok`,
    );
    noise[70] = '  ● Ledger › refunds';
    const { rules } = knowledgeBase.match(LogText.from(noise.join('\n')));
    expect(rules.map(rule => `${rule.id}@${rule.matches[0].line}`)).toEqual([
      'jest-failed-test@71',
    ]);

    const base = ruleBase({
      id: 'no-literal',
      name: 'x then y',
      category: 'test',
      description: 'matched',
      patterns: ['x\\s+y'],
    });
    const [rule] = base.match(LogText.from('x\ny\nx  y\n')).rules;
    expect(rule.matches.map(match => match.line)).toEqual([3]);
  });

  it('matches ignoreCase rules in either case, and reports a line once per rule', () => {
    const base = ruleBase(
      {
        id: 'heap',
        name: 'heap',
        category: 'out-of-memory',
        description: 'OOM ({1})',
        ignoreCase: true,
        patterns: ['(heap) out of memory', '(memory) exhausted'],
      },
      {
        id: 'multi-start',
        name: 'starts with a line break',
        category: 'test',
        description: 'matched',
        multiLinePatterns: ['\\nNEXT LINE'],
      },
    );
    const log = LogText.from(
      'x\nFATAL: HEAP OUT OF MEMORY, memory exhausted\nNEXT LINE\n',
    );
    const { rules } = base.match(log);
    expect(
      rules.map(rule => [
        rule.id,
        rule.matches.map(match => [match.line, match.endLine]),
        rule.description,
      ]),
    ).toEqual([
      ['heap', [[2, 2]], 'OOM (HEAP)'],
      ['multi-start', [[3, 3]], 'matched'],
    ]);
  });

  it('masks secrets in every text it returns', () => {
    const log = LogText.from(
      "fatal: Authentication failed for 'https://x-access-token:ghp_SECRET@github.com/acme/app.git/'\n",
    );
    const [rule] = knowledgeBase.match(log, {
      mask: text => text.replaceAll('ghp_SECRET', '[masked]'),
    }).rules;
    expect(JSON.stringify(rule)).not.toContain('ghp_SECRET');
    expect(rule.description).toBe(
      'Git could not authenticate to https://x-access-token:[masked]@github.com/acme/app.git/.',
    );
  });

  it('throws an InputError listing every problem when a rules file is bad', () => {
    expect(() =>
      FailureKnowledgeBase.fromYaml(readRulesFixture('bad-rules.yaml'), {
        source: 'bad-rules.yaml',
      }),
    ).toThrow(InputError);
    expect(() =>
      FailureKnowledgeBase.fromYaml(readRulesFixture('bad-rules.yaml'), {
        source: 'bad-rules.yaml',
      }),
    ).toThrow(
      /^The failure rules in bad-rules\.yaml have 16 problems:\nbad-rules\.yaml:15:9: rule "unclosed-group", patterns\[1\]: invalid regular expression/,
    );
    const many = `rules:\n${Array.from(
      { length: 25 },
      (_, index) => `  - id: r${index}\n`,
    ).join('')}`;
    expect(() => FailureKnowledgeBase.fromYaml(many)).toThrow(
      /^The failure rules have 100 problems:\n[^]*\n… and 80 more$/,
    );
    expect(() =>
      FailureKnowledgeBase.fromYaml(
        'rules:\n  - id: only\n    name: x\n    category: y\n    description: z\n',
      ),
    ).toThrow(
      /have 1 problem:\n2:5: rule "only", patterns: a rule needs at least one pattern/,
    );
  });

  it('reads a rules file, and gives back its definitions', () => {
    const base = FailureKnowledgeBase.fromFile(
      path.join(__dirname, 'rules', 'default-rules.yaml'),
    );
    expect(base.definitions.map(definition => definition.id)).toEqual(
      knowledgeBase.rules.map(rule => rule.id),
    );
    expect(base.definitions[0]).toEqual(knowledgeBase.rules[0].definition);
    expect(FailureKnowledgeBase.default()).toBe(knowledgeBase);
  });
});
