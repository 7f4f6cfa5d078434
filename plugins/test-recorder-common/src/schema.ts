import { z } from 'zod';
import { SUITE_NAME_PATTERN } from './annotations';
import type {
  TestCase,
  TestLocator,
  TestStep,
  TestSuiteDefinition,
  TestSuiteSchedule,
  TestSuiteWebServer,
  TestTarget,
} from './steps';

/** A suite secret's name; steps refer to it and exports read `COMET_SECRET_<NAME>`. */
export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A screenshot baseline's name (it becomes `<name>.png`). */
export const SCREENSHOT_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** The longest timeout a suite may set (10 minutes). */
export const MAX_TIMEOUT_MS = 600_000;

/** One problem in a suite definition, at a path like `tests[1].steps[3].target.locator.role`. */
export type TestSuiteValidationIssue = {
  path: string;
  message: string;
  /** Set by `parseTestSuiteFile`: where in the file the problem is (1-based). */
  line?: number;
  column?: number;
};

/** A suite definition (or suite file) that is not valid; `issues` lists every problem found. */
export class TestSuiteValidationError extends Error {
  readonly issues: TestSuiteValidationIssue[];

  constructor(issues: TestSuiteValidationIssue[], message?: string) {
    super(
      message ??
        `Invalid test suite: ${issues
          .map(issue =>
            issue.path ? `${issue.path}: ${issue.message}` : issue.message,
          )
          .join('; ')}`,
    );
    this.name = 'TestSuiteValidationError';
    this.issues = issues;
  }
}

const nonEmpty = (what: string) =>
  z.string().refine(value => value.trim() !== '', `${what} must not be empty`);

const timeoutMs = z
  .number()
  .int('must be a whole number of milliseconds')
  .min(1, 'must be at least 1 ms')
  .max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} ms (10 minutes)`);

const nth = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more');

const ratio = z
  .number()
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1');

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const absoluteHttpUrl = z
  .string()
  .refine(
    isHttpUrl,
    'must be an absolute http(s) URL, e.g. http://localhost:3000',
  );

/** Absolute http(s), or relative to the base URL; never `javascript:`, `file:` and the like. */
const pageUrl = nonEmpty('the URL').refine(
  value => !/^[a-z][a-z0-9+.-]*:/i.test(value) || isHttpUrl(value),
  'must be an http(s) URL or a path relative to the base URL, e.g. /checkout',
);

const textLocatorShape = {
  value: nonEmpty('the locator value'),
  exact: z.boolean().optional(),
  nth: nth.optional(),
};

export const testLocatorSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('testId'),
    value: nonEmpty('the test id'),
    nth: nth.optional(),
  }),
  z.strictObject({
    kind: z.literal('role'),
    role: z
      .string()
      .regex(/^[a-z]+$/, 'must be an ARIA role in lower case, e.g. button'),
    name: z.string().optional(),
    exact: z.boolean().optional(),
    nth: nth.optional(),
  }),
  z.strictObject({ kind: z.literal('placeholder'), ...textLocatorShape }),
  z.strictObject({ kind: z.literal('label'), ...textLocatorShape }),
  z.strictObject({ kind: z.literal('altText'), ...textLocatorShape }),
  z.strictObject({ kind: z.literal('text'), ...textLocatorShape }),
  z.strictObject({ kind: z.literal('title'), ...textLocatorShape }),
  z.strictObject({
    kind: z.literal('css'),
    value: nonEmpty('the CSS selector'),
    nth: nth.optional(),
  }),
]);

export const testTargetSchema = z.strictObject({
  locator: testLocatorSchema,
  fallbacks: z.array(testLocatorSchema).optional(),
  description: z.string().optional(),
});

const stepBase = {
  id: nonEmpty('the step id').refine(
    value => value.length <= 100,
    'must be at most 100 characters',
  ),
  timeoutMs: timeoutMs.optional(),
};

const secretName = z
  .string()
  .regex(
    SECRET_NAME_PATTERN,
    'must be upper-case letters, digits and underscores, starting with a letter (at most 64), e.g. PASSWORD',
  );

const fileName = nonEmpty('the file name').refine(
  value => !/[/\\\0]/.test(value) && value !== '.' && value !== '..',
  'must be the name of a file stored with the suite, not a path',
);

export const testStepSchema = z.discriminatedUnion('action', [
  z.strictObject({
    ...stepBase,
    action: z.literal('navigate'),
    url: pageUrl,
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('click'),
    target: testTargetSchema,
    button: z.enum(['left', 'right', 'middle']).optional(),
    clickCount: z.number().int().min(1).max(3).optional(),
    modifiers: z.array(z.enum(['Alt', 'Control', 'Meta', 'Shift'])).optional(),
  }),
  // One of value and secret: checked in checkSuiteRules, for a message that says so.
  z.strictObject({
    ...stepBase,
    action: z.literal('fill'),
    target: testTargetSchema,
    value: z.string().optional(),
    secret: secretName.optional(),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('press'),
    target: testTargetSchema.optional(),
    key: nonEmpty('the key'),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('select'),
    target: testTargetSchema,
    values: z.array(z.string()),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('check'),
    target: testTargetSchema,
    checked: z.boolean(),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('upload'),
    target: testTargetSchema,
    files: z.array(fileName),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('waitFor'),
    target: testTargetSchema,
    state: z.enum(['visible', 'hidden', 'attached', 'detached']),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertVisible'),
    target: testTargetSchema,
    visible: z.boolean(),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertText'),
    target: testTargetSchema,
    text: z.string(),
    match: z.enum(['exact', 'contains']),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertValue'),
    target: testTargetSchema,
    value: z.string(),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertChecked'),
    target: testTargetSchema,
    checked: z.boolean(),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertUrl'),
    url: pageUrl,
    match: z.enum(['exact', 'contains']),
  }),
  z.strictObject({
    ...stepBase,
    action: z.literal('assertScreenshot'),
    name: z
      .string()
      .regex(
        SCREENSHOT_NAME_PATTERN,
        'must be lower-case letters, digits and dashes, e.g. cart-summary',
      ),
    target: testTargetSchema.optional(),
    threshold: ratio.optional(),
    maxDiffPixelRatio: ratio.optional(),
  }),
]);

const suiteName = z
  .string()
  .regex(
    SUITE_NAME_PATTERN,
    'must be lower-case letters, digits and dashes (at most 64), e.g. storefront-checkout',
  );

export const testCaseSchema = z.strictObject({
  id: suiteName,
  name: nonEmpty('the test name'),
  steps: z.array(testStepSchema),
});

export const testSuiteWebServerSchema = z.strictObject({
  command: nonEmpty('the command'),
  port: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be a port from 1 to 65535')
    .max(65535, 'must be a port from 1 to 65535'),
  readyUrl: absoluteHttpUrl.optional(),
  timeoutMs: timeoutMs.optional(),
  cwd: z
    .string()
    .refine(
      value =>
        !value.startsWith('/') &&
        !/^[a-z]:/i.test(value) &&
        !value.split(/[/\\]/).includes('..'),
      'must be a path inside the repository, relative to its root, without ".."',
    )
    .optional(),
  env: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z_][A-Za-z0-9_]*$/,
          'must be an environment variable name',
        ),
      z.string(),
    )
    .optional(),
});

const CRON_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
const CRON_RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const CRON_ITEM = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;
const CRON_NAMED = /^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/** What is wrong with a five-field cron expression (minute hour day-of-month month day-of-week). */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  for (let index = 0; index < 5; index++) {
    const field = fields[index];
    const [min, max] = CRON_RANGES[index];
    for (const item of field.split(',')) {
      if (index >= 3 && CRON_NAMED.test(item)) {
        continue;
      }
      const match = CRON_ITEM.exec(item);
      const values = match
        ? [match[2], match[3]].filter(Boolean).map(Number)
        : [];
      if (
        !match ||
        values.some(value => value < min || value > max) ||
        (values.length === 2 && values[0] > values[1]) ||
        (match[4] !== undefined && Number(match[4]) < 1)
      ) {
        return `the ${CRON_NAMES[index]} field "${field}" must be *, a number from ${min} to ${max}, a range, a list or a step (*/15)`;
      }
    }
  }
  return undefined;
}

export const testSuiteScheduleSchema = z.strictObject({
  cron: z.string().superRefine((value, context) => {
    const problem = cronProblem(value);
    if (problem) {
      context.addIssue({ code: 'custom', message: problem });
    }
  }),
  timeZone: z
    .string()
    .regex(
      /^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/,
      'must be an IANA time zone such as Europe/Berlin, or UTC',
    )
    .optional(),
});

export const testSuiteDefinitionSchema = z.strictObject({
  name: suiteName,
  title: z.string().optional(),
  description: z.string().optional(),
  baseUrl: absoluteHttpUrl,
  webServer: testSuiteWebServerSchema.optional(),
  project: nonEmpty('the device name').optional(),
  stepTimeoutMs: timeoutMs.optional(),
  testIdAttribute: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_:.-]*$/,
      'must be an HTML attribute name, e.g. data-testid',
    )
    .optional(),
  secrets: z.array(secretName).optional(),
  schedule: testSuiteScheduleSchema.optional(),
  tests: z.array(testCaseSchema),
});

// Compile-time checks that what the schemas accept is what steps.ts describes.
type Assignable<T extends U, U> = T;
export type SchemaMatchesTypes = [
  Assignable<z.output<typeof testLocatorSchema>, TestLocator>,
  Assignable<z.output<typeof testTargetSchema>, TestTarget>,
  Assignable<z.output<typeof testSuiteWebServerSchema>, TestSuiteWebServer>,
  Assignable<z.output<typeof testSuiteScheduleSchema>, TestSuiteSchedule>,
  Assignable<
    Exclude<z.output<typeof testStepSchema>, { action: 'fill' }>,
    TestStep
  >,
  Assignable<
    Omit<z.output<typeof testCaseSchema>, 'steps'>,
    Omit<TestCase, 'steps'>
  >,
];

/** `["tests", 1, "steps", 3]` as `tests[1].steps[3]`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
    } else {
      const name = String(key);
      text += /^[A-Za-z_$][\w$]*$/.test(name)
        ? `${text ? '.' : ''}${name}`
        : `[${JSON.stringify(name)}]`;
    }
  }
  return text;
}

type RawIssue = { path: PropertyKey[]; message: string };

function zodIssues(error: z.ZodError): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: [...path, key], message: `unknown key "${key}"` });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      issues.push({ path, message: 'is required' });
    } else if (
      issue.code === 'invalid_type' &&
      ['string', 'number', 'boolean', 'array', 'object'].includes(
        issue.expected,
      )
    ) {
      issues.push({
        path,
        message: `must be ${
          issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'
        } ${issue.expected}, not ${describeType(issue.input)}`,
      });
    } else if (issue.code === 'invalid_key') {
      issues.push({ path, message: issue.issues[0]?.message ?? issue.message });
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue) {
      const options = (issue as { options?: unknown[] }).options ?? [];
      issues.push({
        path,
        message: `must be one of ${options
          .map(option => JSON.stringify(option))
          .join(', ')}`,
      });
    } else if (issue.code === 'invalid_value') {
      issues.push({
        path,
        message: `must be one of ${issue.values
          .map(option => JSON.stringify(option))
          .join(', ')}`,
      });
    } else if (issue.code === 'too_small' && issue.origin === 'number') {
      issues.push({ path, message: issue.message.replace(/^Too small: /, '') });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The rules that span fields: unique ids and names, fill's value or secret, secrets listed.
 * Runs on the raw value (guarding every type), so its findings join the schema's in one report.
 */
function checkSuiteRules(value: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  if (!isRecord(value)) {
    return issues;
  }
  const declared = Array.isArray(value.secrets) ? value.secrets : [];
  const seenSecrets = new Set<unknown>();
  declared.forEach((secret, index) => {
    if (seenSecrets.has(secret)) {
      issues.push({
        path: ['secrets', index],
        message: `secret ${JSON.stringify(secret)} is listed twice`,
      });
    }
    seenSecrets.add(secret);
  });
  if (!Array.isArray(value.tests)) {
    return issues;
  }
  const testIds = new Map<unknown, number>();
  value.tests.forEach((test, testIndex) => {
    if (!isRecord(test)) {
      return;
    }
    if (typeof test.id === 'string') {
      const first = testIds.get(test.id);
      if (first !== undefined) {
        issues.push({
          path: ['tests', testIndex, 'id'],
          message: `test id "${test.id}" is already used by tests[${first}]`,
        });
      } else {
        testIds.set(test.id, testIndex);
      }
    }
    if (!Array.isArray(test.steps)) {
      return;
    }
    const stepIds = new Map<unknown, number>();
    const screenshots = new Map<unknown, number>();
    test.steps.forEach((step, stepIndex) => {
      if (!isRecord(step)) {
        return;
      }
      const stepPath = ['tests', testIndex, 'steps', stepIndex];
      if (typeof step.id === 'string') {
        const first = stepIds.get(step.id);
        if (first !== undefined) {
          issues.push({
            path: [...stepPath, 'id'],
            message: `step id "${step.id}" is already used by steps[${first}] of this test`,
          });
        } else {
          stepIds.set(step.id, stepIndex);
        }
      }
      if (step.action === 'assertScreenshot' && typeof step.name === 'string') {
        const first = screenshots.get(step.name);
        if (first !== undefined) {
          issues.push({
            path: [...stepPath, 'name'],
            message: `screenshot name "${step.name}" is already used by steps[${first}] of this test`,
          });
        } else {
          screenshots.set(step.name, stepIndex);
        }
      }
      if (step.action === 'fill') {
        const hasValue = step.value !== undefined;
        const hasSecret = step.secret !== undefined;
        if (hasValue && hasSecret) {
          issues.push({
            path: [...stepPath, 'secret'],
            message: 'a fill step has either value or secret, not both',
          });
        } else if (!hasValue && !hasSecret) {
          issues.push({
            path: [...stepPath, 'value'],
            message: 'a fill step needs either value or secret',
          });
        }
        if (
          typeof step.secret === 'string' &&
          !declared.includes(step.secret)
        ) {
          issues.push({
            path: [...stepPath, 'secret'],
            message: `secret "${step.secret}" is not listed in the suite's secrets`,
          });
        }
      }
    });
  });
  return issues;
}

/** Every problem in a suite definition, in document order of the schema's walk; empty when valid. */
export function validateTestSuiteDefinition(value: unknown): {
  definition?: TestSuiteDefinition;
  issues: TestSuiteValidationIssue[];
} {
  // reportInput: to tell a missing value from a wrong one (the input is never shown).
  const result = testSuiteDefinitionSchema.safeParse(value, {
    reportInput: true,
  });
  const raw = [
    ...(result.success ? [] : zodIssues(result.error)),
    ...checkSuiteRules(value),
  ];
  const issues = raw.map(issue => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
  }));
  if (issues.length > 0 || !result.success) {
    return { issues };
  }
  // The fill rule above makes the one schema object a FillStep.
  return { definition: result.data as TestSuiteDefinition, issues };
}

/** A valid suite definition, or a TestSuiteValidationError listing every problem. */
export function parseTestSuiteDefinition(value: unknown): TestSuiteDefinition {
  const { definition, issues } = validateTestSuiteDefinition(value);
  if (!definition) {
    throw new TestSuiteValidationError(issues);
  }
  return definition;
}
