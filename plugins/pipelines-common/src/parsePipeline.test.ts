import fs from 'fs';
import path from 'path';
import { PipelineIssue, PipelineValidationContext } from './definition';
import { expandMatrix, parseDuration, parsePipeline } from './parsePipeline';

/** Joins lines into a YAML document, so tests can count lines and columns. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function issuesOf(
  text: string,
  context?: PipelineValidationContext,
): PipelineIssue[] {
  const result = parsePipeline(text, context);
  expect(result.ok).toBe(false);
  expect(result.pipeline).toBeUndefined();
  return result.issues;
}

function pipelineOf(text: string, context?: PipelineValidationContext) {
  const result = parsePipeline(text, context);
  expect(result.issues).toEqual([]);
  if (!result.ok) {
    throw new Error('expected a valid pipeline');
  }
  return result.pipeline;
}

/** A valid pipeline head, two lines, for tests about jobs. */
const HEAD = ['name: test', 'jobs:'];

const FULL_EXAMPLE = yaml(
  'name: release',
  'on:',
  '  manual: {}',
  '  push:',
  "    branches: [main, 'release/*']",
  "    tags: ['v*']",
  '  pull_request:',
  '    branches: [main]',
  '  schedule:',
  "    - cron: '0 3 * * *'",
  'params:',
  '  version: { type: string, default: 1.0.0, description: Version to release }',
  '  simulateFailure: { type: boolean, default: true }',
  '  region: { type: choice, options: [eu, us], default: eu }',
  'env:',
  "  CI: 'true'",
  'jobs:',
  '  build:',
  '    name: Build            # optional, defaults to the job id',
  '    timeout: 5m            # durations: 30s, 5m, 1h, 1h30m, or a number of seconds',
  '    retry: 1',
  '    env: { A: b }',
  '    steps:',
  '      - name: Build',
  '        run: npm run build',
  '      - uses: sonarqube/quality-gate',
  '        with: { projectKey: x }',
  '        timeout: 10m',
  '        continue-on-error: true',
  "        env: { TOKEN: '${{ secrets.SONAR_TOKEN }}' }",
  '        if: "${{ params.simulateFailure }}"',
  '    artifacts: [dist/]',
  '  approve:',
  '    needs: [build]          # also accepts a single string',
  '    approval:',
  '      description: Release?',
  '      approvers: [group:default/payments-team]',
  '  test:',
  '    needs: build',
  '    matrix:',
  "      shard: ['1', '2']",
  '      mode: [default, strict]',
  '    steps:',
  '      - run: echo ${{ matrix.shard }}',
);

describe('parsePipeline', () => {
  describe('valid pipelines', () => {
    it('parses the full example', () => {
      const result = parsePipeline(FULL_EXAMPLE, {
        file: '.comet/release.yaml',
        stepTypes: ['sonarqube/quality-gate'],
        secrets: ['SONAR_TOKEN'],
      });
      expect(result).toEqual({
        ok: true,
        issues: [],
        pipeline: {
          name: 'release',
          on: {
            manual: {},
            push: { branches: ['main', 'release/*'], tags: ['v*'] },
            pull_request: { branches: ['main'] },
            schedule: [{ cron: '0 3 * * *' }],
          },
          params: {
            version: {
              type: 'string',
              default: '1.0.0',
              description: 'Version to release',
            },
            simulateFailure: { type: 'boolean', default: true },
            region: { type: 'choice', options: ['eu', 'us'], default: 'eu' },
          },
          env: { CI: 'true' },
          jobs: [
            {
              id: 'build',
              name: 'Build',
              needs: [],
              timeoutMs: 300_000,
              retry: 1,
              env: { A: 'b' },
              steps: [
                {
                  name: 'Build',
                  run: 'npm run build',
                  env: {},
                  continueOnError: false,
                },
                {
                  name: 'sonarqube/quality-gate',
                  uses: 'sonarqube/quality-gate',
                  with: { projectKey: 'x' },
                  timeoutMs: 600_000,
                  continueOnError: true,
                  env: { TOKEN: '${{ secrets.SONAR_TOKEN }}' },
                  if: '${{ params.simulateFailure }}',
                },
              ],
              artifacts: ['dist/'],
            },
            {
              id: 'approve',
              name: 'approve',
              needs: ['build'],
              retry: 0,
              env: {},
              steps: [],
              artifacts: [],
              approval: {
                description: 'Release?',
                approvers: ['group:default/payments-team'],
              },
            },
            {
              id: 'test',
              name: 'test',
              needs: ['build'],
              matrix: { shard: ['1', '2'], mode: ['default', 'strict'] },
              retry: 0,
              env: {},
              steps: [
                {
                  name: 'echo ${{ matrix.shard }}',
                  run: 'echo ${{ matrix.shard }}',
                  env: {},
                  continueOnError: false,
                },
              ],
              artifacts: [],
            },
          ],
        },
      });
    });

    it('applies defaults to a minimal pipeline', () => {
      const pipeline = pipelineOf(
        yaml(...HEAD, '  only:', '    steps:', '      - run: make'),
      );
      expect(pipeline).toEqual({
        name: 'test',
        on: { manual: {} },
        params: {},
        env: {},
        jobs: [
          {
            id: 'only',
            name: 'only',
            needs: [],
            retry: 0,
            env: {},
            steps: [
              { name: 'make', run: 'make', env: {}, continueOnError: false },
            ],
            artifacts: [],
          },
        ],
      });
    });

    it('keeps the order of jobs as written', () => {
      const pipeline = pipelineOf(
        yaml(
          ...HEAD,
          '  zeta: { steps: [{ run: a }] }',
          '  alpha: { needs: zeta, steps: [{ run: b }] }',
          '  mid: { needs: [alpha, zeta], steps: [{ run: c }] }',
        ),
      );
      expect(pipeline.jobs.map(job => job.id)).toEqual([
        'zeta',
        'alpha',
        'mid',
      ]);
      expect(pipeline.jobs.map(job => job.needs)).toEqual([
        [],
        ['zeta'],
        ['alpha', 'zeta'],
      ]);
    });

    it('names a step after the first non-empty line of its script, at most 80 characters', () => {
      const long = `echo ${'x'.repeat(100)}`;
      const pipeline = pipelineOf(
        yaml(
          ...HEAD,
          '  build:',
          '    steps:',
          '      - run: |',
          '',
          '          npm ci   ',
          '          npm test',
          `      - run: ${long}`,
          '      - uses: docker/build',
          '      - name: Named',
          '        uses: docker/build',
        ),
      );
      expect(pipeline.jobs[0].steps.map(step => step.name)).toEqual([
        'npm ci',
        long.slice(0, 80),
        'docker/build',
        'Named',
      ]);
      expect(pipeline.jobs[0].steps[1].name).toHaveLength(80);
    });

    it('converts numbers and booleans in env to strings', () => {
      const pipeline = pipelineOf(
        yaml(
          'name: test',
          'env: { PORT: 8080, DEBUG: false, NAME: x }',
          'jobs:',
          '  build:',
          '    env: { RATIO: 1.5 }',
          '    steps:',
          '      - run: make',
          '        env: { ON: true }',
        ),
      );
      expect(pipeline.env).toEqual({ PORT: '8080', DEBUG: 'false', NAME: 'x' });
      expect(pipeline.jobs[0].env).toEqual({ RATIO: '1.5' });
      expect(pipeline.jobs[0].steps[0].env).toEqual({ ON: 'true' });
    });

    it('accepts empty triggers, number timeouts and job conditions', () => {
      const pipeline = pipelineOf(
        yaml(
          'name: test',
          'on:',
          '  manual:',
          '  push:',
          '  pull_request: {}',
          'params:',
          '  count: { type: number, default: 3, required: true }',
          'jobs:',
          '  build:',
          '    timeout: 90',
          "    if: run.branch == 'main' && params.count",
          '    steps:',
          '      - run: make',
          "        timeout: '1h30m'",
        ),
      );
      expect(pipeline.on).toEqual({ manual: {}, push: {}, pull_request: {} });
      expect(pipeline.params).toEqual({
        count: { type: 'number', default: 3, required: true },
      });
      expect(pipeline.jobs[0].timeoutMs).toBe(90_000);
      expect(pipeline.jobs[0].if).toBe("run.branch == 'main' && params.count");
      expect(pipeline.jobs[0].steps[0].timeoutMs).toBe(5_400_000);
    });

    it('reads a job image, and names a bad one with its line', () => {
      const pipeline = pipelineOf(
        yaml(
          'name: test',
          'jobs:',
          '  build:',
          '    image: registry.example.org:5000/ci/node:22.1-alpine',
          '    steps: [{ run: make }]',
          '  pinned:',
          `    image: node@sha256:${'a'.repeat(64)}`,
          '    steps: [{ run: make }]',
          '  plain:',
          '    steps: [{ run: make }]',
        ),
      );
      expect(pipeline.jobs.map(job => job.image)).toEqual([
        'registry.example.org:5000/ci/node:22.1-alpine',
        `node@sha256:${'a'.repeat(64)}`,
        undefined,
      ]);
      expect(
        issuesOf(
          yaml(
            'name: test',
            'jobs:',
            '  build:',
            '    image: "node:22 --privileged"',
            '    steps: [{ run: make }]',
          ),
        ),
      ).toEqual([
        expect.objectContaining({
          path: 'jobs.build.image',
          line: 4,
          message:
            'Image "node:22 --privileged" is not a container image reference like registry.example.org/team/node:22',
        }),
      ]);
    });

    it('allows every documented expression', () => {
      const pipeline = pipelineOf(
        yaml(
          'name: test',
          'params:',
          '  my-param: { type: string }',
          'jobs:',
          '  build:',
          '    matrix: { os: [linux] }',
          '    steps:',
          '      - run: >-',
          '          echo ${{ params.my-param }} ${{ secrets.TOKEN }} ${{matrix.os}}',
          '          ${{ env.HOME }} ${{ run.id }} ${{ run.number }} ${{ run.branch }}',
          '          ${{ run.commit }} ${{ entity.ref }} ${{ entity.name }}',
        ),
        { secrets: ['TOKEN'] },
      );
      expect(pipeline.jobs[0].steps[0].run).toContain('${{ entity.name }}');
    });

    it('does not check secrets or step types without a list of them', () => {
      const pipeline = pipelineOf(
        yaml(
          ...HEAD,
          '  build:',
          '    steps:',
          '      - uses: anything/at-all',
          '        with: { token: "${{ secrets.WHATEVER }}" }',
        ),
      );
      expect(pipeline.jobs[0].steps[0]).toEqual({
        name: 'anything/at-all',
        uses: 'anything/at-all',
        with: { token: '${{ secrets.WHATEVER }}' },
        env: {},
        continueOnError: false,
      });
    });

    it('resolves aliases', () => {
      const pipeline = pipelineOf(
        yaml(
          ...HEAD,
          '  build:',
          '    env: &common { A: x }',
          '    steps: [{ run: make }]',
          '  test:',
          '    env: *common',
          '    steps: [{ run: make test }]',
        ),
      );
      expect(pipeline.jobs[1].env).toEqual({ A: 'x' });
    });

    const examplesDir = path.resolve(__dirname, '../../../examples/projects');
    const exampleFiles = fs
      .readdirSync(examplesDir)
      .flatMap(project => {
        const dir = path.join(examplesDir, project, '.comet');
        return fs.existsSync(dir)
          ? fs
              .readdirSync(dir)
              .filter(file => /\.ya?ml$/.test(file))
              .map(file => path.join(project, '.comet', file))
          : [];
      })
      .sort();

    it('finds the example pipelines', () => {
      expect(exampleFiles.length).toBeGreaterThan(0);
    });

    it.each(exampleFiles)('parses the example %s without issues', file => {
      const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
      const result = parsePipeline(text, { file });
      expect(result.issues).toEqual([]);
      expect(result.ok).toBe(true);
    });
  });

  describe('document structure', () => {
    it('reports every YAML error with its position', () => {
      expect(
        issuesOf(yaml('name: x', 'jobs:', '  a: [1', '  b: {'), {
          file: 'p.yaml',
        }),
      ).toEqual([
        {
          message:
            'Invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
          path: '',
          file: 'p.yaml',
          line: 4,
          column: 3,
        },
        {
          message:
            'Invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
          path: '',
          file: 'p.yaml',
          line: 5,
          column: 1,
        },
      ]);
    });

    it('reports duplicate keys as invalid YAML', () => {
      expect(issuesOf(yaml('name: a', 'name: b'))).toEqual([
        {
          message: 'Invalid YAML: Map keys must be unique',
          path: '',
          line: 2,
          column: 1,
        },
      ]);
    });

    it('rejects a document that is not a mapping', () => {
      expect(issuesOf(yaml('- name: x'))).toEqual([
        {
          message:
            'Expected a mapping with "name" and "jobs" at the top level, found a list',
          path: '',
          line: 1,
          column: 1,
        },
      ]);
      expect(issuesOf('')).toEqual([
        {
          message:
            'Expected a mapping with "name" and "jobs" at the top level, found an empty document',
          path: '',
          line: 1,
          column: 1,
        },
      ]);
    });

    it('requires a name and jobs', () => {
      expect(issuesOf(yaml('# comment', 'env: {}'))).toEqual([
        {
          message: 'Missing required key "name"',
          path: 'name',
          line: 2,
          column: 1,
        },
        {
          message: 'Missing required key "jobs"',
          path: 'jobs',
          line: 2,
          column: 1,
        },
      ]);
      expect(issuesOf(yaml("name: ' '", 'jobs: {}'))).toEqual([
        {
          message: 'Expected a non-empty string, found the string " "',
          path: 'name',
          line: 1,
          column: 7,
        },
        {
          message: 'Expected at least one job, found an empty mapping',
          path: 'jobs',
          line: 2,
          column: 7,
        },
      ]);
    });

    it('reports an empty value at its key', () => {
      expect(issuesOf(yaml('name:', 'jobs:'))).toEqual([
        {
          message: 'Expected a non-empty string, found an empty value',
          path: 'name',
          line: 1,
          column: 1,
        },
        {
          message: 'Expected a mapping of jobs, found an empty value',
          path: 'jobs',
          line: 2,
          column: 1,
        },
      ]);
    });

    it('reports an alias bomb in step inputs at its place instead of expanding it', () => {
      const levels = ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
      const bomb = [
        '          a: &a [x, x, x, x, x, x, x, x, x, x]',
        ...levels.map(
          (name, index) =>
            `          ${name}: &${name} [${Array(10)
              .fill(`*${index === 0 ? 'a' : levels[index - 1]}`)
              .join(', ')}]`,
        ),
      ];
      const issues = issuesOf(
        yaml(
          ...HEAD,
          '  build:',
          '    steps:',
          '      - uses: deploy',
          '        with:',
          ...bomb,
        ),
        { file: '.comet/pipeline.yaml' },
      );
      expect(issues).toEqual([
        {
          file: '.comet/pipeline.yaml',
          line: 7,
          column: 11,
          path: 'jobs.build.steps[0].with',
          message: expect.stringMatching(
            /^Too many YAML aliases to expand \(at most 100\)/,
          ),
        },
      ]);
    });

    it('adds the file from the context to every issue', () => {
      const issues = issuesOf(yaml('name: x', 'jobs: []', 'foo: 1'), {
        file: '.comet/pipeline.yaml',
      });
      expect(issues.map(issue => issue.file)).toEqual([
        '.comet/pipeline.yaml',
        '.comet/pipeline.yaml',
      ]);
    });
  });

  describe('unknown keys', () => {
    it('reports unknown keys everywhere, suggesting close known keys', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'nmae: typo',
            'on:',
            '  pushh: {}',
            '  manual: { when: always }',
            'params:',
            '  a: { type: string, defualt: x }',
            'jobs:',
            '  build:',
            '    neds: [x]',
            '    steps:',
            '      - run: make',
            '        continue_on_error: true',
            '        something: else',
            '  gate:',
            '    approval: { approver: [x] }',
          ),
        ),
      ).toEqual([
        {
          message: 'Unknown key "nmae"; did you mean "name"?',
          path: 'nmae',
          line: 2,
          column: 1,
        },
        {
          message: 'Unknown key "pushh"; did you mean "push"?',
          path: 'on.pushh',
          line: 4,
          column: 3,
        },
        {
          message: 'Unknown key "when"',
          path: 'on.manual.when',
          line: 5,
          column: 13,
        },
        {
          message: 'Unknown key "defualt"; did you mean "default"?',
          path: 'params.a.defualt',
          line: 7,
          column: 22,
        },
        {
          message: 'Unknown key "neds"; did you mean "needs"?',
          path: 'jobs.build.neds',
          line: 10,
          column: 5,
        },
        {
          message:
            'Unknown key "continue_on_error"; did you mean "continue-on-error"?',
          path: 'jobs.build.steps[0].continue_on_error',
          line: 13,
          column: 9,
        },
        {
          message: 'Unknown key "something"',
          path: 'jobs.build.steps[0].something',
          line: 14,
          column: 9,
        },
        {
          message: 'Unknown key "approver"; did you mean "approvers"?',
          path: 'jobs.gate.approval.approver',
          line: 16,
          column: 17,
        },
      ]);
    });
  });

  describe('types', () => {
    it('reports values of the wrong type at the value', () => {
      expect(
        issuesOf(
          yaml(
            'name: [a]',
            'env: { A: { b: c }, 1B: x }',
            'jobs:',
            '  build:',
            '    name: 42',
            '    retry: three',
            '    timeout: soon',
            '    artifacts: dist',
            '    steps:',
            '      - run: make',
            '        continue-on-error: "yes"',
            '        if: true',
            '        timeout: 0',
            '      - run: "  "',
            '      - just a string',
          ),
        ),
      ).toEqual([
        {
          message: 'Expected a non-empty string, found a list',
          path: 'name',
          line: 1,
          column: 7,
        },
        {
          message: 'Expected a string, number or boolean, found a mapping',
          path: 'env.A',
          line: 2,
          column: 11,
        },
        {
          message:
            'Invalid environment variable name "1B": expected letters, digits and "_", not starting with a digit',
          path: 'env.1B',
          line: 2,
          column: 21,
        },
        {
          message: 'Expected a non-empty string, found the number 42',
          path: 'jobs.build.name',
          line: 5,
          column: 11,
        },
        {
          message: 'Expected an integer from 0 to 10, found the string "three"',
          path: 'jobs.build.retry',
          line: 6,
          column: 12,
        },
        {
          message:
            'Expected a duration such as 30s, 5m, 1h or 1h30m, or a number of seconds, found the string "soon"',
          path: 'jobs.build.timeout',
          line: 7,
          column: 14,
        },
        {
          message: 'Expected a list of relative paths, found the string "dist"',
          path: 'jobs.build.artifacts',
          line: 8,
          column: 16,
        },
        {
          message: 'Expected true or false, found the string "yes"',
          path: 'jobs.build.steps[0].continue-on-error',
          line: 11,
          column: 28,
        },
        {
          message: 'Expected a non-empty string, found the boolean true',
          path: 'jobs.build.steps[0].if',
          line: 12,
          column: 13,
        },
        {
          message:
            'Expected a duration such as 30s, 5m, 1h or 1h30m, or a number of seconds, found the number 0',
          path: 'jobs.build.steps[0].timeout',
          line: 13,
          column: 18,
        },
        {
          message: 'Expected a non-empty string, found the string "  "',
          path: 'jobs.build.steps[1].run',
          line: 14,
          column: 14,
        },
        {
          message: 'Expected a mapping, found the string "just a string"',
          path: 'jobs.build.steps[2]',
          line: 15,
          column: 9,
        },
      ]);
    });

    it('checks trigger shapes', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'on:',
            '  push: { branches: main, tags: [1] }',
            '  pull_request: { branches: [""] }',
            '  schedule: { cron: "* * * * *" }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ),
        ),
      ).toEqual([
        {
          message: 'Expected a list of strings, found the string "main"',
          path: 'on.push.branches',
          line: 3,
          column: 21,
        },
        {
          message: 'Expected a non-empty string, found the number 1',
          path: 'on.push.tags[0]',
          line: 3,
          column: 34,
        },
        {
          message: 'Expected a non-empty string, found the string ""',
          path: 'on.pull_request.branches[0]',
          line: 4,
          column: 30,
        },
        {
          message: 'Expected a list of { cron: ... } entries, found a mapping',
          path: 'on.schedule',
          line: 5,
          column: 13,
        },
      ]);
      expect(issuesOf(yaml('name: test', 'on: manual', 'jobs:'))[0]).toEqual({
        message:
          'Expected a mapping of triggers (manual, push, pull_request, schedule), found the string "manual"',
        path: 'on',
        line: 2,
        column: 5,
      });
    });
  });

  describe('params', () => {
    it('checks types, defaults and options', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'params:',
            '  region: { type: choice, options: [eu, us], default: asia }',
            '  size: { type: choice, default: s }',
            '  count: { type: number, default: "3", options: [a] }',
            '  flag: { type: bool }',
            '  bad name: { type: string, required: yes }',
            '  nothing: {}',
            '  dup: { type: choice, options: [a, b, a] }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ),
        ),
      ).toEqual([
        {
          message: 'Default "asia" is not one of the options: eu, us',
          path: 'params.region.default',
          line: 3,
          column: 55,
        },
        {
          message:
            'Missing required key "options" (a non-empty list of strings) for a choice param',
          path: 'params.size.options',
          line: 4,
          column: 3,
        },
        {
          message:
            'Expected a number (the param\'s type), found the string "3"',
          path: 'params.count.default',
          line: 5,
          column: 35,
        },
        {
          message:
            '"options" is only allowed for a choice param, not for type "number"',
          path: 'params.count.options',
          line: 5,
          column: 40,
        },
        {
          message:
            'Expected one of string, number, boolean, choice, found the string "bool"',
          path: 'params.flag.type',
          line: 6,
          column: 17,
        },
        {
          message:
            'Invalid param name "bad name": expected letters, digits, "-" and "_", starting with a letter or "_"',
          path: 'params.bad name',
          line: 7,
          column: 3,
        },
        {
          message: 'Expected true or false, found the string "yes"',
          path: 'params.bad name.required',
          line: 7,
          column: 39,
        },
        {
          message:
            'Missing required key "type" (string, number, boolean or choice)',
          path: 'params.nothing.type',
          line: 8,
          column: 3,
        },
        {
          message: 'Duplicate option "a"',
          path: 'params.dup.options[2]',
          line: 9,
          column: 40,
        },
      ]);
    });

    it('requires a non-empty list of string options for a choice', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'params:',
            '  a: { type: choice, options: [] }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ),
        ),
      ).toEqual([
        {
          message: 'Expected a non-empty list of strings, found an empty list',
          path: 'params.a.options',
          line: 3,
          column: 31,
        },
      ]);
    });
  });

  describe('string param rules', () => {
    it('keeps enum, pattern and maxLength of a string param', () => {
      expect(
        pipelineOf(
          yaml(
            'name: test',
            'params:',
            '  env: { type: string, pattern: "[a-z]+", maxLength: 12, default: prod }',
            '  reporter: { type: string, enum: [spec, tap], default: tap }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ),
        ).params,
      ).toEqual({
        env: {
          type: 'string',
          pattern: '[a-z]+',
          maxLength: 12,
          default: 'prod',
        },
        reporter: { type: 'string', enum: ['spec', 'tap'], default: 'tap' },
      });
    });

    it('reports bad rules and defaults that break them, where they are', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'params:',
            '  env: { type: string, pattern: "^[a-z]+$", default: Prod }',
            '  broken: { type: string, pattern: "([a-z]" }',
            '  short: { type: string, maxLength: 3, default: abcd }',
            '  zero: { type: string, maxLength: 0 }',
            '  level: { type: string, enum: [low, high, low], default: mid }',
            '  tag: { type: string, pattern: "v[0-9]+", enum: [v1, latest] }',
            '  count: { type: number, enum: [a], pattern: x, maxLength: 2 }',
            '  long: { type: string }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ).replace(
            '  long: { type: string }',
            `  long: { type: string, default: ${'a'.repeat(1001)} }`,
          ),
        ),
      ).toEqual([
        {
          message: 'Default "Prod" must match ^[a-z]+$',
          path: 'params.env.default',
          line: 3,
          column: 54,
        },
        {
          message: expect.stringMatching(
            /^Invalid regular expression "\(\[a-z\]": .*/,
          ),
          path: 'params.broken.pattern',
          line: 4,
          column: 36,
        },
        {
          message: 'Default "abcd" must be at most 3 characters, got 4',
          path: 'params.short.default',
          line: 5,
          column: 49,
        },
        {
          message: 'Expected an integer from 1 to 100000, found the number 0',
          path: 'params.zero.maxLength',
          line: 6,
          column: 36,
        },
        {
          message: 'Duplicate value "low"',
          path: 'params.level.enum[2]',
          line: 7,
          column: 44,
        },
        {
          message: 'Default "mid" must be one of low, high, low',
          path: 'params.level.default',
          line: 7,
          column: 59,
        },
        {
          message: 'Enum value "latest" must match v[0-9]+',
          path: 'params.tag.enum[1]',
          line: 8,
          column: 55,
        },
        {
          message:
            '"enum" is only allowed for a string param, not for type "number"',
          path: 'params.count.enum',
          line: 9,
          column: 26,
        },
        {
          message:
            '"pattern" is only allowed for a string param, not for type "number"',
          path: 'params.count.pattern',
          line: 9,
          column: 37,
        },
        {
          message:
            '"maxLength" is only allowed for a string param, not for type "number"',
          path: 'params.count.maxLength',
          line: 9,
          column: 49,
        },
        {
          message:
            'Default "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." must be at most 1000 characters, got 1001',
          path: 'params.long.default',
          line: 10,
          column: 34,
        },
      ]);
    });
  });

  describe('jobs and needs', () => {
    it('reports a cycle of three jobs once, at the first job in the file', () => {
      expect(
        issuesOf(
          yaml(
            ...HEAD,
            '  setup:',
            '    steps: [{ run: a }]',
            '  a:',
            '    needs: [setup, b]',
            '    steps: [{ run: a }]',
            '  b:',
            '    needs: c',
            '    steps: [{ run: b }]',
            '  c:',
            '    needs: [a]',
            '    steps: [{ run: c }]',
          ),
        ),
      ).toEqual([
        {
          message: 'Cyclic needs: a -> b -> c -> a',
          path: 'jobs.a.needs',
          line: 6,
          column: 12,
        },
      ]);
    });

    it('starts a cycle at the job that comes first in the file', () => {
      const issues = issuesOf(
        yaml(
          ...HEAD,
          '  x: { needs: y, steps: [{ run: a }] }',
          '  y: { needs: [z], steps: [{ run: a }] }',
          '  z: { needs: [x], steps: [{ run: a }] }',
          '  start: { needs: z, steps: [{ run: a }] }',
        ),
      );
      expect(issues).toEqual([
        {
          message: 'Cyclic needs: x -> y -> z -> x',
          path: 'jobs.x.needs',
          line: 3,
          column: 15,
        },
      ]);
    });

    it('reports needs on missing jobs, on itself and twice', () => {
      expect(
        issuesOf(
          yaml(
            ...HEAD,
            '  build:',
            '    needs: biuld',
            '    steps: [{ run: make }]',
            '  test:',
            '    needs: [build, deploy, test, build]',
            '    steps: [{ run: make test }]',
          ),
        ),
      ).toEqual([
        {
          message: 'Job "build" needs "biuld", which does not exist',
          path: 'jobs.build.needs',
          line: 4,
          column: 12,
        },
        {
          message: 'Job "test" needs "deploy", which does not exist',
          path: 'jobs.test.needs[1]',
          line: 7,
          column: 20,
        },
        {
          message: 'Job "test" needs itself',
          path: 'jobs.test.needs[2]',
          line: 7,
          column: 28,
        },
        {
          message: 'Job "test" lists "build" in needs more than once',
          path: 'jobs.test.needs[3]',
          line: 7,
          column: 34,
        },
      ]);
    });

    it('checks job ids, steps, approvals and artifacts', () => {
      expect(
        issuesOf(
          yaml(
            ...HEAD,
            '  -build:',
            '    steps: [{ run: make }]',
            '  empty:',
            '    steps: []',
            '  nothing:',
            '    retry: 1',
            '  gate:',
            '    approval:',
            '    steps: [{ run: make }]',
            '    matrix: { a: [1] }',
            '  files:',
            "    artifacts: [/abs, '../up', 'a/../b', 'C:\\x', ok/..dots/]",
            '    steps: [{ run: make }]',
          ),
        ),
      ).toEqual([
        {
          message:
            'Invalid job id "-build": expected letters, digits, "-" and "_", starting with a letter or digit',
          path: 'jobs.-build',
          line: 3,
          column: 3,
        },
        {
          message: 'Expected a non-empty list of steps, found an empty list',
          path: 'jobs.empty.steps',
          line: 6,
          column: 12,
        },
        {
          message:
            'Job "nothing" has no "steps"; expected a non-empty list of steps, or an "approval"',
          path: 'jobs.nothing.steps',
          line: 7,
          column: 3,
        },
        {
          message: 'A job with "approval" cannot have "steps"',
          path: 'jobs.gate.steps',
          line: 11,
          column: 5,
        },
        {
          message: 'A job with "approval" cannot have "matrix"',
          path: 'jobs.gate.matrix',
          line: 12,
          column: 5,
        },
        {
          message: 'Artifact path "/abs" must be relative to the workspace',
          path: 'jobs.files.artifacts[0]',
          line: 14,
          column: 17,
        },
        {
          message: 'Artifact path "../up" must not contain ".." segments',
          path: 'jobs.files.artifacts[1]',
          line: 14,
          column: 23,
        },
        {
          message: 'Artifact path "a/../b" must not contain ".." segments',
          path: 'jobs.files.artifacts[2]',
          line: 14,
          column: 32,
        },
        {
          message: 'Artifact path "C:\\x" must be relative to the workspace',
          path: 'jobs.files.artifacts[3]',
          line: 14,
          column: 42,
        },
      ]);
    });
  });

  describe('steps', () => {
    it('reports unknown step types', () => {
      const text = yaml(
        ...HEAD,
        '  build:',
        '    steps:',
        '      - uses: sonarqube/quality-gat',
        '        with: { projectKey: x }',
      );
      expect(
        issuesOf(text, {
          stepTypes: ['sonarqube/quality-gate', 'docker/build'],
        }),
      ).toEqual([
        {
          message:
            'Unknown step type "sonarqube/quality-gat"; available: sonarqube/quality-gate, docker/build',
          path: 'jobs.build.steps[0].uses',
          line: 5,
          column: 15,
        },
      ]);
      expect(issuesOf(text, { stepTypes: [] })[0].message).toBe(
        'Unknown step type "sonarqube/quality-gat"; no step types are available',
      );
    });

    it('needs exactly one of run and uses, and with only with uses', () => {
      expect(
        issuesOf(
          yaml(
            ...HEAD,
            '  build:',
            '    steps:',
            '      - uses: docker/build',
            '        run: make',
            '      - name: Nothing to do',
            '      - run: make',
            '        with: { a: b }',
            '      - uses: docker/build',
            '        with: [a]',
          ),
        ),
      ).toEqual([
        {
          message: 'A step has either "run" or "uses", not both',
          path: 'jobs.build.steps[0].run',
          line: 6,
          column: 9,
        },
        {
          message: 'A step needs "run" or "uses"',
          path: 'jobs.build.steps[1]',
          line: 7,
          column: 9,
        },
        {
          message: '"with" is only allowed in a step with "uses"',
          path: 'jobs.build.steps[2].with',
          line: 9,
          column: 9,
        },
        {
          message: 'Expected a mapping of inputs, found a list',
          path: 'jobs.build.steps[3].with',
          line: 11,
          column: 15,
        },
      ]);
    });
  });

  describe('cron', () => {
    const cronIssues = (...crons: string[]) =>
      issuesOf(
        yaml(
          'name: test',
          'on:',
          '  schedule:',
          ...crons.map(cron => `    - cron: '${cron}'`),
          'jobs:',
          '  build: { steps: [{ run: make }] }',
        ),
      );

    it('reports bad cron expressions', () => {
      expect(
        cronIssues(
          '0 3 * *',
          '61 * * * *',
          '* 24 * * *',
          '* * 0 * *',
          '* * * 13 *',
          '* * * * 8',
          '5/10 * * * *',
          '10-5 * * * *',
          '*/0 * * * *',
          'a * * * *',
          '1,,2 * * * *',
        ),
      ).toEqual(
        [
          'expected 5 fields (minute hour day-of-month month day-of-week), found 4',
          'minute 61 is out of range 0-59',
          'hour 24 is out of range 0-23',
          'day-of-month 0 is out of range 1-31',
          'month 13 is out of range 1-12',
          'day-of-week 8 is out of range 0-7',
          'minute field "5/10" is not valid; expected *, a number, a range a-b, a step */n or a-b/n, or a list of these',
          'minute range 10-5 is backwards',
          'minute step /0 must be at least 1',
          'minute field "a" is not valid; expected *, a number, a range a-b, a step */n or a-b/n, or a list of these',
          'minute field "1,,2" is not valid; expected *, a number, a range a-b, a step */n or a-b/n, or a list of these',
        ].map((problem, index) => ({
          message: `Invalid cron expression ${JSON.stringify(
            [
              '0 3 * *',
              '61 * * * *',
              '* 24 * * *',
              '* * 0 * *',
              '* * * 13 *',
              '* * * * 8',
              '5/10 * * * *',
              '10-5 * * * *',
              '*/0 * * * *',
              'a * * * *',
              '1,,2 * * * *',
            ][index],
          )}: ${problem}`,
          path: `on.schedule[${index}].cron`,
          line: 4 + index,
          column: 13,
        })),
      );
    });

    it('accepts numbers, ranges, steps and lists', () => {
      const pipeline = pipelineOf(
        yaml(
          'name: test',
          'on:',
          '  schedule:',
          "    - cron: '*/15 0-6,22-23/2 1,15 * 1-5'",
          "    - cron: '0  0 31 12 7'",
          'jobs:',
          '  build: { steps: [{ run: make }] }',
        ),
      );
      expect(pipeline.on.schedule).toEqual([
        { cron: '*/15 0-6,22-23/2 1,15 * 1-5' },
        { cron: '0  0 31 12 7' },
      ]);
    });

    it('requires cron in each schedule entry', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'on:',
            '  schedule:',
            '    - { crn: x }',
            'jobs:',
            '  build: { steps: [{ run: make }] }',
          ),
        ),
      ).toEqual([
        {
          message: 'Missing required key "cron"',
          path: 'on.schedule[0].cron',
          line: 4,
          column: 7,
        },
        {
          message: 'Unknown key "crn"; did you mean "cron"?',
          path: 'on.schedule[0].crn',
          line: 4,
          column: 9,
        },
      ]);
    });
  });

  describe('expressions', () => {
    it('reports unknown secrets when the context lists them', () => {
      const text = yaml(
        ...HEAD,
        '  build:',
        '    steps:',
        '      - run: deploy',
        "        env: { TOKEN: '${{ secrets.DEPLOY_TOKEN }}' }",
      );
      expect(issuesOf(text, { secrets: ['SONAR_TOKEN'] })).toEqual([
        {
          message: 'Unknown secret "DEPLOY_TOKEN"',
          path: 'jobs.build.steps[0].env.TOKEN',
          line: 6,
          column: 23,
        },
      ]);
      pipelineOf(text, { secrets: ['DEPLOY_TOKEN'] });
    });

    it('reports matrix references outside a job with that matrix key', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            "env: { SHARD: '${{ matrix.shard }}' }",
            'jobs:',
            '  build:',
            '    steps:',
            '      - run: echo ${{ matrix.shard }}',
            '  test:',
            '    matrix: { shard: [1, 2] }',
            '    steps:',
            '      - run: echo ${{ matrix.mode }}',
            '        if: matrix.mode == "strict"',
          ),
        ),
      ).toEqual([
        {
          message: '"matrix.shard" can only be used inside a job with a matrix',
          path: 'env.SHARD',
          line: 2,
          column: 15,
        },
        {
          message:
            '"matrix.shard" can only be used inside a job with a matrix, and job "build" has none',
          path: 'jobs.build.steps[0].run',
          line: 6,
          column: 14,
        },
        {
          message: 'Unknown matrix key "mode"; job "test" has: shard',
          path: 'jobs.test.steps[0].run',
          line: 10,
          column: 14,
        },
        {
          message: 'Unknown matrix key "mode"; job "test" has: shard',
          path: 'jobs.test.steps[0].if',
          line: 11,
          column: 13,
        },
      ]);
    });

    it('reports unknown expressions and params, wherever the string is', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'params:',
            '  version: { type: string }',
            'jobs:',
            '  build:',
            '    name: Build ${{ github.sha }}',
            '    steps:',
            '      - uses: docker/build',
            '        with:',
            '          tags: [latest, "${{ params.versoin }}"]',
            '      - run: echo ${{ }} ${{ params }} ${{ run.attempt }}',
            '      - run: echo ${{ params.version',
          ),
        ),
      ).toEqual([
        {
          message:
            'Unknown expression "github.sha"; expected one of params.NAME, secrets.NAME, matrix.KEY, env.NAME, run.id, run.number, run.branch, run.commit, entity.ref, entity.name',
          path: 'jobs.build.name',
          line: 6,
          column: 11,
        },
        {
          message: 'Unknown param "versoin"; did you mean "version"?',
          path: 'jobs.build.steps[0].with.tags[1]',
          line: 10,
          column: 26,
        },
        ...['', 'params', 'run.attempt'].map(expression => ({
          message: `Unknown expression "${expression}"; expected one of params.NAME, secrets.NAME, matrix.KEY, env.NAME, run.id, run.number, run.branch, run.commit, entity.ref, entity.name`,
          path: 'jobs.build.steps[1].run',
          line: 11,
          column: 14,
        })),
        {
          message: 'Unterminated expression: "${{" without "}}"',
          path: 'jobs.build.steps[2].run',
          line: 12,
          column: 14,
        },
      ]);
    });

    it('checks the names in conditions, bare or wrapped', () => {
      expect(
        issuesOf(
          yaml(
            'name: test',
            'params:',
            '  simulateFailure: { type: boolean }',
            'jobs:',
            '  build:',
            "    if: params.simulateFailure == 'true' && params.other",
            '    steps:',
            '      - run: make',
            '        if: "${{ secrets.X && params.nope }}"',
            '      - run: make',
            "        if: run.branch == 'params.notAReference'",
          ),
          { secrets: [] },
        ),
      ).toEqual([
        {
          message: 'Unknown param "other"',
          path: 'jobs.build.if',
          line: 6,
          column: 9,
        },
        {
          message: 'Unknown secret "X"',
          path: 'jobs.build.steps[0].if',
          line: 9,
          column: 13,
        },
        {
          message: 'Unknown param "nope"',
          path: 'jobs.build.steps[0].if',
          line: 9,
          column: 13,
        },
      ]);
    });
  });

  describe('matrix', () => {
    const matrixPipeline = (...matrixLines: string[]) =>
      yaml(
        ...HEAD,
        '  test:',
        '    matrix:',
        ...matrixLines,
        '    steps: [{ run: make }]',
      );

    it('allows up to 256 combinations', () => {
      const values = (n: number) =>
        `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
      const pipeline = pipelineOf(
        matrixPipeline(`      a: ${values(16)}`, `      b: ${values(16)}`),
      );
      expect(expandMatrix(pipeline.jobs[0].matrix!)).toHaveLength(256);

      expect(
        issuesOf(
          matrixPipeline(`      a: ${values(16)}`, `      b: ${values(17)}`),
        ),
      ).toEqual([
        {
          message: 'Matrix has 272 combinations; at most 256 are allowed',
          path: 'jobs.test.matrix',
          line: 5,
          column: 7,
        },
      ]);
    });

    it('checks matrix keys and values', () => {
      expect(
        issuesOf(
          matrixPipeline(
            '      os: []',
            '      node: [18, 18]',
            '      flags: [{ a: b }]',
            '      bad key: [x]',
          ),
        ),
      ).toEqual([
        {
          message: 'Expected a non-empty list of values, found an empty list',
          path: 'jobs.test.matrix.os',
          line: 5,
          column: 11,
        },
        {
          message: 'Duplicate matrix value "18"',
          path: 'jobs.test.matrix.node[1]',
          line: 6,
          column: 18,
        },
        {
          message: 'Expected a string, number or boolean, found a mapping',
          path: 'jobs.test.matrix.flags[0]',
          line: 7,
          column: 15,
        },
        {
          message:
            'Invalid matrix key "bad key": expected letters, digits, "-" and "_", starting with a letter or "_"',
          path: 'jobs.test.matrix.bad key',
          line: 8,
          column: 7,
        },
      ]);
    });
  });

  it('sorts issues by line, then column', () => {
    const issues = issuesOf(
      yaml(
        'name: test',
        'jobs:',
        '  b: { needs: [missing], retry: -1, steps: [{ run: x, foo: 1 }] }',
        '  a:',
        '    steps: [{ run: make }]',
        'bogus: 1',
      ),
    );
    expect(issues.map(i => [i.line, i.column, i.message])).toEqual([
      [3, 16, 'Job "b" needs "missing", which does not exist'],
      [3, 33, 'Expected an integer from 0 to 10, found the number -1'],
      [3, 55, 'Unknown key "foo"'],
      [6, 1, 'Unknown key "bogus"'],
    ]);
  });
});

describe('expandMatrix', () => {
  it('combines values with the first key varying slowest', () => {
    expect(
      expandMatrix({ shard: ['1', '2'], mode: ['default', 'strict'] }),
    ).toEqual([
      { shard: '1', mode: 'default' },
      { shard: '1', mode: 'strict' },
      { shard: '2', mode: 'default' },
      { shard: '2', mode: 'strict' },
    ]);
  });

  it('keeps key order as written', () => {
    const [first] = expandMatrix({ z: [1], a: [true], m: ['x'] });
    expect(Object.keys(first)).toEqual(['z', 'a', 'm']);
    expect(first).toEqual({ z: 1, a: true, m: 'x' });
  });

  it('handles three keys', () => {
    expect(expandMatrix({ a: [1, 2], b: ['x'], c: [true, false] })).toEqual([
      { a: 1, b: 'x', c: true },
      { a: 1, b: 'x', c: false },
      { a: 2, b: 'x', c: true },
      { a: 2, b: 'x', c: false },
    ]);
  });

  it('gives one empty combination for an empty matrix, none for an empty list', () => {
    expect(expandMatrix({})).toEqual([{}]);
    expect(expandMatrix({ a: [1, 2], b: [] })).toEqual([]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['2m30s', 150_000],
    ['1h 30m', 5_400_000],
    [' 45s ', 45_000],
    ['90', 90_000],
    ['1.5', 1_500],
    [90, 90_000],
    [0.25, 250],
  ] as Array<[string | number, number]>)('parses %p as %p ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each(['', 'soon', '30m1h', '5ms', '1d', '-5s', '0s', '0', '1h30', 'h'])(
    'rejects %p',
    value => {
      expect(parseDuration(value)).toBeUndefined();
    },
  );

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the number %p',
    value => {
      expect(parseDuration(value)).toBeUndefined();
    },
  );
});

describe('required inputs of step types', () => {
  const context: PipelineValidationContext = {
    file: '.comet/pipeline.yaml',
    stepTypes: ['sonarqube/quality-gate', 'docker/build'],
    requiredInputs: {
      'sonarqube/quality-gate': ['projectKey'],
      'docker/build': ['image', 'context'],
    },
  };

  it('reports each missing required input at "with", with file, line, column and field', () => {
    const text = yaml(
      ...HEAD,
      '  build:',
      '    steps:',
      '      - uses: docker/build',
      '        with:',
      '          image: shop',
      '          context: ~',
      '      - uses: sonarqube/quality-gate',
      '      - uses: sonarqube/quality-gate',
      '        with: { projectKey: shop }',
    );
    expect(issuesOf(text, context)).toEqual([
      {
        message:
          'Step type "docker/build" requires the input "context" in "with" (it requires image, context)',
        path: 'jobs.build.steps[0].with.context',
        file: '.comet/pipeline.yaml',
        line: 6,
        column: 9,
      },
      {
        message:
          'Step type "sonarqube/quality-gate" requires the input "projectKey" in "with"',
        path: 'jobs.build.steps[1].with.projectKey',
        file: '.comet/pipeline.yaml',
        line: 9,
        column: 15,
      },
    ]);
  });

  it('accepts a step that has all its required inputs, and step types without any', () => {
    const result = parsePipeline(
      yaml(
        ...HEAD,
        '  build:',
        '    steps:',
        '      - uses: docker/build',
        "        with: { image: shop, context: './app' }",
        '      - run: make',
      ),
      { ...context, requiredInputs: { 'docker/build': ['image', 'context'] } },
    );
    expect(result.issues).toEqual([]);
    expect(result.pipeline?.jobs[0].steps[0].with).toEqual({
      image: 'shop',
      context: './app',
    });
  });
});
