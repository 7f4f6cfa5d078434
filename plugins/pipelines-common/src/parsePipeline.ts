import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  ParsedNode,
  Pair,
  parseDocument,
} from 'yaml';
import {
  DEFAULT_PARAM_MAX_LENGTH,
  PipelineApproval,
  PipelineDefinition,
  PipelineIssue,
  PipelineJob,
  PipelineParam,
  PipelineParamType,
  PipelinePullRequestTrigger,
  PipelinePushTrigger,
  PipelineScheduleTrigger,
  PipelineStep,
  PipelineTriggers,
  PipelineValidationContext,
  PipelineValidationResult,
} from './definition';
import { cronProblem } from './grammar/cron';
import {
  ExpressionReference,
  parseCondition,
  parseTemplate,
  unknownExpressionMessage,
} from './grammar/expressions';

type MatrixValue = string | number | boolean;

const TOP_LEVEL_KEYS = ['name', 'on', 'params', 'env', 'jobs'];
const TRIGGER_KEYS = ['manual', 'push', 'pull_request', 'schedule'];
const PUSH_KEYS = ['branches', 'tags'];
const PULL_REQUEST_KEYS = ['branches'];
const SCHEDULE_KEYS = ['cron'];
const PARAM_KEYS = [
  'type',
  'description',
  'default',
  'options',
  'enum',
  'pattern',
  'maxLength',
  'required',
];
/** Keys that constrain a `string` param's value, and only a string's. */
const STRING_RULE_KEYS = ['enum', 'pattern', 'maxLength'];
/** The largest `maxLength` a param may set: a value is a command-line word, not a file. */
const MAX_PARAM_MAX_LENGTH = 100_000;
const PARAM_TYPES: PipelineParamType[] = [
  'string',
  'number',
  'boolean',
  'choice',
];
/** `[registry[:port]/]path[:tag][@sha256:digest]`, as the container runtimes accept it. */
const IMAGE_PATTERN =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const MAX_IMAGE_LENGTH = 512;
const JOB_KEYS = [
  'name',
  'needs',
  'matrix',
  'if',
  'timeout',
  'retry',
  'env',
  'steps',
  'artifacts',
  'approval',
  'image',
];
const STEP_KEYS = [
  'name',
  'run',
  'uses',
  'with',
  'env',
  'if',
  'timeout',
  'continue-on-error',
];
const APPROVAL_KEYS = ['description', 'environment', 'approvers'];
/** An environment name, as `pipelines.environments` keys it. */
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** A user or group ref, the kind spelled out and the namespace optional (`default`). */
const APPROVER_REF = /^(?:user|group):(?:[^\s:/]+\/)?[^\s:/]+$/i;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JOB_ID = /^[a-z0-9][a-z0-9_-]*$/i;
const MATRIX_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The most job instances one matrix may produce. */
export const MAX_MATRIX_COMBINATIONS = 256;
/** The most extra attempts a job may ask for. */
export const MAX_RETRY = 10;
/** The most alias expansions `with:` inputs may take: more is an alias bomb. */
export const MAX_ALIAS_COUNT = 100;
/** The most characters of a `run` script used as a step's default name. */
const MAX_DEFAULT_STEP_NAME = 80;

/**
 * Parses a duration: a number of seconds (`90`, `'90'`) or hours, minutes and seconds in that
 * order (`30s`, `5m`, `1h`, `1h30m`). Returns milliseconds, or undefined when the value is not
 * a positive duration.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0
      ? Math.round(value * 1000)
      : undefined;
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    return parseDuration(Number(text));
  }
  const match = /^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$/.exec(text);
  if (!match || (!match[1] && !match[2] && !match[3])) {
    return undefined;
  }
  const [hours, minutes, seconds] = [match[1], match[2], match[3]].map(part =>
    part ? Number(part) : 0,
  );
  const ms = (hours * 3600 + minutes * 60 + seconds) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * Every combination of a job matrix's values, one object per job instance. The first key
 * varies slowest; keys and values keep the order they were written in.
 */
export function expandMatrix(
  matrix: Record<string, MatrixValue[]>,
): Array<Record<string, MatrixValue>> {
  let combinations: Array<Record<string, MatrixValue>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    const next: Array<Record<string, MatrixValue>> = [];
    for (const combination of combinations) {
      for (const value of values) {
        next.push({ ...combination, [key]: value });
      }
    }
    combinations = next;
  }
  return combinations;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest candidate within an edit distance of 2, if any. */
function closest(
  word: string,
  candidates: Iterable<string>,
): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = levenshtein(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function didYouMean(word: string, candidates: Iterable<string>): string {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

function isEmpty(node: ParsedNode | null | undefined): boolean {
  return !node || (isScalar(node) && node.value === null);
}

/** How a value reads in an issue message: `the string "x"`, `a list`, … */
function describe(node: ParsedNode | null | undefined): string {
  if (isEmpty(node)) {
    return 'an empty value';
  }
  if (isMap(node)) {
    return node.items.length ? 'a mapping' : 'an empty mapping';
  }
  if (isSeq(node)) {
    return node.items.length ? 'a list' : 'an empty list';
  }
  const value = isScalar(node) ? node.value : undefined;
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    default:
      return `the value ${quote(String(value))}`;
  }
}

/**
 * The regular expression of a param's `pattern`: anchored, so the whole value must match
 * (`[a-z]+` must not accept `a; rm -rf /`). Throws a SyntaxError for an invalid pattern.
 */
function paramPatternRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/**
 * Why a value breaks a `string` param's `enum`, `maxLength` (else
 * {@link DEFAULT_PARAM_MAX_LENGTH}) or `pattern`, as `must match ^[a-z]+$`; undefined when it
 * keeps them. Other types have no such rules. The server checks every triggered value with it;
 * forms use it for hints.
 */
export function paramValueProblem(
  param: PipelineParam,
  value: string,
): string | undefined {
  if (param.type !== 'string') {
    return undefined;
  }
  if (param.enum && !param.enum.includes(value)) {
    return `must be one of ${param.enum.join(', ')}`;
  }
  const maxLength = param.maxLength ?? DEFAULT_PARAM_MAX_LENGTH;
  // Before the pattern, so a regular expression never runs over an unbounded value
  if (value.length > maxLength) {
    return `must be at most ${maxLength} characters, got ${value.length}`;
  }
  if (param.pattern !== undefined) {
    let matches: boolean;
    try {
      matches = paramPatternRegExp(param.pattern).test(value);
    } catch {
      matches = false;
    }
    if (!matches) {
      return `must match ${param.pattern}`;
    }
  }
  return undefined;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** One value in the document, with where to report problems with it. */
type Field = {
  path: string;
  /** The value, aliases resolved; null when there is none. */
  node: ParsedNode | null;
  /** Where problems with the value are reported: the value, or its key when it is empty. */
  at: ParsedNode | null;
  /** The key of a mapping entry; problems with what the value lacks are reported here. */
  key?: ParsedNode | null;
};

type Needs = { field: Field; items: Array<{ id: string; field: Field }> };

class Validator {
  readonly issues: PipelineIssue[] = [];
  /** Every name under `params`, valid or not, for checking `params.NAME` references. */
  private readonly declaredParams = new Set<string>();
  /** Every job id, valid or not, with its matrix keys (undefined without a matrix). */
  private readonly jobMatrixKeys = new Map<string, string[] | undefined>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    private readonly context: PipelineValidationContext,
  ) {}

  report(at: ParsedNode | null | undefined, path: string, message: string) {
    this.reportAt(at?.range?.[0], path, message);
  }

  reportAt(offset: number | undefined, path: string, message: string) {
    const issue: PipelineIssue = { message, path };
    if (this.context.file !== undefined) {
      issue.file = this.context.file;
    }
    const { line, col } = this.lineCounter.linePos(offset ?? 0);
    issue.line = line;
    issue.column = col;
    this.issues.push(issue);
  }

  private resolve(node: unknown): ParsedNode | null {
    if (isAlias(node)) {
      return (node.resolve(this.doc) as ParsedNode | undefined) ?? null;
    }
    return (node as ParsedNode | null | undefined) ?? null;
  }

  private field(path: string, value: unknown, key?: ParsedNode | null): Field {
    const node = this.resolve(value);
    const original = (value as ParsedNode | null | undefined) ?? null;
    const emptySource =
      !original ||
      (isScalar(original) &&
        original.value === null &&
        original.range[0] === original.range[1]);
    return {
      path,
      node,
      at: emptySource && key ? key : original,
      key,
    };
  }

  /** Where to report that a field lacks something. */
  private owner(field: Field): ParsedNode | null | undefined {
    return field.key ?? field.at;
  }

  private expected(field: Field, expectation: string) {
    this.report(
      field.at,
      field.path,
      `Expected ${expectation}, found ${describe(field.node)}`,
    );
  }

  /**
   * The entries of a mapping, by key. Reports keys outside `known` (when given) and a value
   * that is not a mapping.
   */
  mapping(
    field: Field,
    known: string[] | undefined,
    expectation = 'a mapping',
  ): Map<string, Field> | undefined {
    if (!isMap(field.node)) {
      this.expected(field, expectation);
      return undefined;
    }
    const entries = new Map<string, Field>();
    for (const pair of field.node.items as Array<
      Pair<ParsedNode, ParsedNode | null>
    >) {
      const keyNode = this.resolve(pair.key);
      const keyValue = isScalar(keyNode) ? keyNode.value : undefined;
      if (
        typeof keyValue !== 'string' &&
        typeof keyValue !== 'number' &&
        typeof keyValue !== 'boolean'
      ) {
        this.report(
          pair.key ?? field.at,
          field.path,
          `Expected a plain key, found ${describe(keyNode)}`,
        );
        continue;
      }
      const key = String(keyValue);
      const path = joinPath(field.path, key);
      if (known && !known.includes(key)) {
        this.report(
          pair.key,
          path,
          `Unknown key "${key}"${didYouMean(key, known)}`,
        );
        continue;
      }
      entries.set(key, this.field(path, pair.value, pair.key));
    }
    return entries;
  }

  list(field: Field, expectation = 'a list'): Field[] | undefined {
    if (!isSeq(field.node)) {
      this.expected(field, expectation);
      return undefined;
    }
    return field.node.items.map((item, index) =>
      this.field(`${field.path}[${index}]`, item),
    );
  }

  scalar(field: Field): unknown {
    return isScalar(field.node) ? field.node.value : undefined;
  }

  string(field: Field, nonEmpty = false): string | undefined {
    const value = this.scalar(field);
    if (typeof value !== 'string' || (nonEmpty && value.trim() === '')) {
      this.expected(field, nonEmpty ? 'a non-empty string' : 'a string');
      return undefined;
    }
    return value;
  }

  boolean(field: Field): boolean | undefined {
    const value = this.scalar(field);
    if (typeof value !== 'boolean') {
      this.expected(field, 'true or false');
      return undefined;
    }
    return value;
  }

  integer(field: Field, min: number, max: number): number | undefined {
    const value = this.scalar(field);
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < min ||
      value > max
    ) {
      this.expected(field, `an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** A list of non-empty strings. */
  stringList(field: Field, nonEmpty = false): string[] | undefined {
    const items = this.list(
      field,
      nonEmpty ? 'a non-empty list of strings' : 'a list of strings',
    );
    if (!items) {
      return undefined;
    }
    if (nonEmpty && items.length === 0) {
      this.expected(field, 'a non-empty list of strings');
      return undefined;
    }
    const values = items.map(item => this.string(item, true));
    return values.every((value): value is string => value !== undefined)
      ? values
      : undefined;
  }

  duration(field: Field): number | undefined {
    const value = this.scalar(field);
    const ms =
      typeof value === 'string' || typeof value === 'number'
        ? parseDuration(value)
        : undefined;
    if (ms === undefined) {
      this.expected(
        field,
        'a duration such as 30s, 5m, 1h or 1h30m, or a number of seconds',
      );
    }
    return ms;
  }

  env(field: Field): Record<string, string> {
    const env: Record<string, string> = {};
    const entries = this.mapping(
      field,
      undefined,
      'a mapping of environment variables',
    );
    for (const [name, value] of entries ?? []) {
      if (!ENV_NAME.test(name)) {
        this.report(
          value.key,
          value.path,
          `Invalid environment variable name "${name}": expected letters, digits and "_", not starting with a digit`,
        );
        continue;
      }
      const scalar = this.scalar(value);
      if (
        typeof scalar === 'string' ||
        typeof scalar === 'number' ||
        typeof scalar === 'boolean'
      ) {
        env[name] = String(scalar);
      } else {
        this.expected(value, 'a string, number or boolean');
      }
    }
    return env;
  }

  pipeline(): PipelineDefinition | undefined {
    const root = this.field('', this.doc.contents);
    if (!isMap(root.node)) {
      this.report(
        root.at,
        '',
        `Expected a mapping with "name" and "jobs" at the top level, found ${
          root.node ? describe(root.node) : 'an empty document'
        }`,
      );
      return undefined;
    }
    const entries = this.mapping(root, TOP_LEVEL_KEYS)!;
    const get = (key: string) => entries.get(key);

    let name = '';
    const nameField = get('name');
    if (nameField) {
      name = this.string(nameField, true) ?? '';
    } else {
      this.report(root.at, 'name', 'Missing required key "name"');
    }

    const onField = get('on');
    const on = onField ? this.triggers(onField) : { manual: {} };

    const paramsField = get('params');
    const params = paramsField ? this.params(paramsField) : {};

    const envField = get('env');
    const env = envField ? this.env(envField) : {};

    const jobsField = get('jobs');
    let jobs: PipelineJob[] = [];
    if (jobsField) {
      jobs = this.jobs(jobsField);
    } else {
      this.report(root.at, 'jobs', 'Missing required key "jobs"');
    }

    this.checkExpressions(this.doc.contents, []);

    return { name, on, params, env, jobs };
  }

  triggers(field: Field): PipelineTriggers {
    const triggers: PipelineTriggers = {};
    const entries = this.mapping(
      field,
      TRIGGER_KEYS,
      'a mapping of triggers (manual, push, pull_request, schedule)',
    );
    if (!entries) {
      return triggers;
    }
    const manual = entries.get('manual');
    if (manual) {
      if (!isEmpty(manual.node)) {
        this.mapping(manual, [], 'an empty mapping');
      }
      triggers.manual = {};
    }
    const push = entries.get('push');
    if (push) {
      const trigger: PipelinePushTrigger = {};
      const pushEntries = isEmpty(push.node)
        ? undefined
        : this.mapping(push, PUSH_KEYS);
      const branches = pushEntries?.get('branches');
      const tags = pushEntries?.get('tags');
      if (branches) {
        trigger.branches = this.stringList(branches);
      }
      if (tags) {
        trigger.tags = this.stringList(tags);
      }
      triggers.push = trigger;
    }
    const pullRequest = entries.get('pull_request');
    if (pullRequest) {
      const trigger: PipelinePullRequestTrigger = {};
      const branches = isEmpty(pullRequest.node)
        ? undefined
        : this.mapping(pullRequest, PULL_REQUEST_KEYS)?.get('branches');
      if (branches) {
        trigger.branches = this.stringList(branches);
      }
      triggers.pull_request = trigger;
    }
    const schedule = entries.get('schedule');
    if (schedule) {
      triggers.schedule = this.schedule(schedule);
    }
    return triggers;
  }

  schedule(field: Field): PipelineScheduleTrigger[] {
    const items = this.list(field, 'a list of { cron: ... } entries');
    if (!items) {
      return [];
    }
    if (items.length === 0) {
      this.expected(field, 'a non-empty list of { cron: ... } entries');
    }
    const schedules: PipelineScheduleTrigger[] = [];
    for (const item of items) {
      const entries = this.mapping(
        item,
        SCHEDULE_KEYS,
        'a mapping with "cron"',
      );
      if (!entries) {
        continue;
      }
      const cronField = entries.get('cron');
      if (!cronField) {
        this.report(
          item.at,
          joinPath(item.path, 'cron'),
          'Missing required key "cron"',
        );
        continue;
      }
      const cron = this.string(cronField, true);
      if (cron === undefined) {
        continue;
      }
      const problem = cronProblem(cron);
      if (problem) {
        this.report(
          cronField.at,
          cronField.path,
          `Invalid cron expression ${quote(cron)}: ${problem}`,
        );
        continue;
      }
      schedules.push({ cron });
    }
    return schedules;
  }

  params(field: Field): Record<string, PipelineParam> {
    const params: Record<string, PipelineParam> = {};
    const entries = this.mapping(field, undefined, 'a mapping of params');
    for (const [name, paramField] of entries ?? []) {
      this.declaredParams.add(name);
      if (!PARAM_NAME.test(name)) {
        this.report(
          paramField.key,
          paramField.path,
          `Invalid param name "${name}": expected letters, digits, "-" and "_", starting with a letter or "_"`,
        );
      }
      const param = this.param(paramField);
      if (param) {
        params[name] = param;
      }
    }
    return params;
  }

  param(field: Field): PipelineParam | undefined {
    const entries = this.mapping(
      field,
      PARAM_KEYS,
      'a mapping with "type" (string, number, boolean or choice)',
    );
    if (!entries) {
      return undefined;
    }
    const typeField = entries.get('type');
    let type: PipelineParamType | undefined;
    if (!typeField) {
      this.report(
        this.owner(field),
        joinPath(field.path, 'type'),
        'Missing required key "type" (string, number, boolean or choice)',
      );
    } else {
      const value = this.scalar(typeField);
      if (PARAM_TYPES.includes(value as PipelineParamType)) {
        type = value as PipelineParamType;
      } else {
        this.expected(typeField, 'one of string, number, boolean, choice');
      }
    }
    const param: PipelineParam = { type: type ?? 'string' };

    const description = entries.get('description');
    if (description) {
      param.description = this.string(description);
    }
    const required = entries.get('required');
    if (required) {
      param.required = this.boolean(required);
    }

    const optionsField = entries.get('options');
    let options: string[] | undefined;
    if (type === 'choice') {
      if (!optionsField) {
        this.report(
          this.owner(field),
          joinPath(field.path, 'options'),
          'Missing required key "options" (a non-empty list of strings) for a choice param',
        );
      } else {
        options = this.stringList(optionsField, true);
        this.reportDuplicates(optionsField, options ?? [], 'option');
        param.options = options;
      }
    } else if (optionsField && type) {
      this.report(
        optionsField.key,
        optionsField.path,
        `"options" is only allowed for a choice param, not for type "${type}"`,
      );
    }
    if (type === 'string') {
      this.stringRules(entries, param);
    } else if (type) {
      for (const key of STRING_RULE_KEYS) {
        const ruleField = entries.get(key);
        if (ruleField) {
          this.report(
            ruleField.key,
            ruleField.path,
            `"${key}" is only allowed for a string param, not for type "${type}"`,
          );
        }
      }
    }

    const defaultField = entries.get('default');
    if (defaultField && type) {
      const value = this.scalar(defaultField);
      if (type === 'choice') {
        if (typeof value !== 'string') {
          this.expected(defaultField, 'one of the options');
        } else if (options && !options.includes(value)) {
          this.report(
            defaultField.at,
            defaultField.path,
            `Default "${value}" is not one of the options: ${options.join(
              ', ',
            )}`,
          );
        } else {
          param.default = value;
        }
      } else if (typeof value !== type) {
        this.expected(defaultField, `a ${type} (the param's type)`);
      } else {
        const problem =
          typeof value === 'string' && value !== ''
            ? paramValueProblem(param, value)
            : undefined;
        if (problem) {
          this.report(
            defaultField.at,
            defaultField.path,
            `Default ${quote(value as string)} ${problem}`,
          );
        } else {
          param.default = value as string | number | boolean;
        }
      }
    }
    return param;
  }

  /** A string param's `maxLength`, `pattern` and `enum`; each enum value must keep the other two. */
  private stringRules(entries: Map<string, Field>, param: PipelineParam) {
    const maxLengthField = entries.get('maxLength');
    if (maxLengthField) {
      param.maxLength = this.integer(maxLengthField, 1, MAX_PARAM_MAX_LENGTH);
    }
    const patternField = entries.get('pattern');
    if (patternField) {
      const pattern = this.string(patternField, true);
      if (pattern !== undefined) {
        try {
          paramPatternRegExp(pattern);
          param.pattern = pattern;
        } catch (error) {
          this.report(
            patternField.at,
            patternField.path,
            `Invalid regular expression ${quote(pattern)}: ${
              (error as Error).message
            }`,
          );
        }
      }
    }
    const enumField = entries.get('enum');
    if (enumField) {
      const values = this.stringList(enumField, true);
      if (values) {
        this.reportDuplicates(enumField, values, 'value');
        const items = (enumField.node as { items: unknown[] }).items;
        let valid = true;
        for (const [index, value] of values.entries()) {
          const problem = paramValueProblem(param, value);
          if (problem) {
            valid = false;
            this.report(
              this.field('', items[index]).at,
              `${enumField.path}[${index}]`,
              `Enum value ${quote(value)} ${problem}`,
            );
          }
        }
        if (valid) {
          param.enum = values;
        }
      }
    }
  }

  private reportDuplicates(field: Field, values: string[], noun: string) {
    const items = (field.node as { items: unknown[] }).items;
    const seen = new Set<string>();
    for (const [index, value] of values.entries()) {
      if (seen.has(value)) {
        this.report(
          this.field('', items[index]).at,
          `${field.path}[${index}]`,
          `Duplicate ${noun} "${value}"`,
        );
      }
      seen.add(value);
    }
  }

  jobs(field: Field): PipelineJob[] {
    const entries = this.mapping(field, undefined, 'a mapping of jobs');
    if (!entries) {
      return [];
    }
    if (entries.size === 0) {
      this.expected(field, 'at least one job');
      return [];
    }
    for (const [id, jobField] of entries) {
      const matrix = isMap(jobField.node)
        ? jobField.node.items.find(
            pair => isScalar(pair.key) && pair.key.value === 'matrix',
          )
        : undefined;
      const matrixNode = this.resolve(matrix?.value);
      this.jobMatrixKeys.set(
        id,
        isMap(matrixNode)
          ? matrixNode.items.flatMap(pair =>
              isScalar(pair.key) ? [String(pair.key.value)] : [],
            )
          : undefined,
      );
    }

    const jobs: PipelineJob[] = [];
    const needs = new Map<string, Needs>();
    for (const [id, jobField] of entries) {
      if (!JOB_ID.test(id)) {
        this.report(
          jobField.key,
          jobField.path,
          `Invalid job id "${id}": expected letters, digits, "-" and "_", starting with a letter or digit`,
        );
      }
      const job = this.job(id, jobField, needs);
      if (job) {
        jobs.push(job);
      }
    }
    this.checkNeeds([...entries.keys()], needs);
    return jobs;
  }

  job(
    id: string,
    field: Field,
    allNeeds: Map<string, Needs>,
  ): PipelineJob | undefined {
    const entries = this.mapping(field, JOB_KEYS);
    if (!entries) {
      return undefined;
    }
    const job: PipelineJob = {
      id,
      name: id,
      needs: [],
      retry: 0,
      env: {},
      steps: [],
      artifacts: [],
    };

    const name = entries.get('name');
    if (name) {
      job.name = this.string(name, true) ?? id;
    }

    const needsField = entries.get('needs');
    if (needsField) {
      const items = isScalar(needsField.node)
        ? [needsField]
        : this.list(needsField, 'a job id or a list of job ids');
      const needs: Needs = { field: needsField, items: [] };
      const seen = new Set<string>();
      for (const item of items ?? []) {
        const need = this.string(item, true);
        if (need === undefined) {
          continue;
        }
        if (seen.has(need)) {
          this.report(
            item.at,
            item.path,
            `Job "${id}" lists "${need}" in needs more than once`,
          );
          continue;
        }
        seen.add(need);
        needs.items.push({ id: need, field: item });
        job.needs.push(need);
      }
      allNeeds.set(id, needs);
    }

    const matrixField = entries.get('matrix');
    if (matrixField) {
      job.matrix = this.matrix(matrixField);
    }

    const condition = entries.get('if');
    if (condition) {
      job.if = this.string(condition, true);
    }

    const timeout = entries.get('timeout');
    if (timeout) {
      job.timeoutMs = this.duration(timeout);
    }

    const retry = entries.get('retry');
    if (retry) {
      job.retry = this.integer(retry, 0, MAX_RETRY) ?? 0;
    }

    const env = entries.get('env');
    if (env) {
      job.env = this.env(env);
    }

    const artifacts = entries.get('artifacts');
    if (artifacts) {
      job.artifacts = this.artifacts(artifacts);
    }

    const image = entries.get('image');
    if (image) {
      job.image = this.image(image);
    }

    const approval = entries.get('approval');
    const steps = entries.get('steps');
    if (approval) {
      job.approval = this.approval(approval);
      for (const forbidden of [steps, matrixField]) {
        if (forbidden) {
          const key = forbidden.path.slice(forbidden.path.lastIndexOf('.') + 1);
          this.report(
            forbidden.key,
            forbidden.path,
            `A job with "approval" cannot have "${key}"`,
          );
        }
      }
    } else if (steps) {
      const items = this.list(steps, 'a non-empty list of steps');
      if (items && items.length === 0) {
        this.expected(steps, 'a non-empty list of steps');
      }
      job.steps = (items ?? []).flatMap(item => {
        const step = this.step(item);
        return step ? [step] : [];
      });
    } else {
      this.report(
        this.owner(field),
        joinPath(field.path, 'steps'),
        `Job "${id}" has no "steps"; expected a non-empty list of steps, or an "approval"`,
      );
    }
    return job;
  }

  matrix(field: Field): Record<string, MatrixValue[]> | undefined {
    const entries = this.mapping(
      field,
      undefined,
      'a mapping of matrix keys to lists of values',
    );
    if (!entries) {
      return undefined;
    }
    if (entries.size === 0) {
      this.expected(field, 'at least one matrix key');
      return undefined;
    }
    const matrix: Record<string, MatrixValue[]> = {};
    let combinations = 1;
    for (const [key, valuesField] of entries) {
      if (!MATRIX_KEY.test(key)) {
        this.report(
          valuesField.key,
          valuesField.path,
          `Invalid matrix key "${key}": expected letters, digits, "-" and "_", starting with a letter or "_"`,
        );
      }
      const items = this.list(valuesField, 'a non-empty list of values');
      if (!items) {
        continue;
      }
      if (items.length === 0) {
        this.expected(valuesField, 'a non-empty list of values');
        continue;
      }
      const values: MatrixValue[] = [];
      for (const item of items) {
        const value = this.scalar(item);
        if (
          typeof value !== 'string' &&
          typeof value !== 'number' &&
          typeof value !== 'boolean'
        ) {
          this.expected(item, 'a string, number or boolean');
        } else if (values.includes(value)) {
          this.report(
            item.at,
            item.path,
            `Duplicate matrix value ${quote(String(value))}`,
          );
        } else {
          values.push(value);
        }
      }
      matrix[key] = values;
      combinations *= values.length;
    }
    if (combinations > MAX_MATRIX_COMBINATIONS) {
      this.report(
        field.at,
        field.path,
        `Matrix has ${combinations} combinations; at most ${MAX_MATRIX_COMBINATIONS} are allowed`,
      );
    }
    return matrix;
  }

  /** A container image reference: one word, no spaces or control characters. */
  image(field: Field): string | undefined {
    const image = this.string(field, true);
    if (image === undefined) {
      return undefined;
    }
    if (image.length > MAX_IMAGE_LENGTH || !IMAGE_PATTERN.test(image)) {
      this.report(
        field.at,
        field.path,
        `Image "${image.slice(
          0,
          80,
        )}" is not a container image reference like registry.example.org/team/node:22`,
      );
      return undefined;
    }
    return image;
  }

  artifacts(field: Field): string[] {
    const items = this.list(field, 'a list of relative paths');
    const artifacts: string[] = [];
    for (const item of items ?? []) {
      const path = this.string(item, true);
      if (path === undefined) {
        continue;
      }
      if (/^([/\\~]|[A-Za-z]:)/.test(path)) {
        this.report(
          item.at,
          item.path,
          `Artifact path "${path}" must be relative to the workspace`,
        );
      } else if (path.split(/[/\\]/).includes('..')) {
        this.report(
          item.at,
          item.path,
          `Artifact path "${path}" must not contain ".." segments`,
        );
      } else {
        artifacts.push(path);
      }
    }
    return artifacts;
  }

  approval(field: Field): PipelineApproval {
    const approval: PipelineApproval = {};
    if (isEmpty(field.node)) {
      return approval;
    }
    const entries = this.mapping(field, APPROVAL_KEYS);
    const description = entries?.get('description');
    if (description) {
      approval.description = this.string(description);
    }
    const environment = entries?.get('environment');
    if (environment) {
      approval.environment = this.environment(environment);
    }
    const approvers = entries?.get('approvers');
    if (approvers) {
      approval.approvers = this.approvers(approvers);
    }
    return approval;
  }

  /** The environment a gate names: a plain name, and one the backend configures when it says which. */
  environment(field: Field): string | undefined {
    const name = this.string(field, true);
    if (name === undefined) return undefined;
    if (!ENVIRONMENT_NAME.test(name)) {
      this.report(
        field.at,
        field.path,
        `Environment "${name}" is not a valid name; expected letters, digits, "_" and "-", starting with a letter or digit (at most 63 characters)`,
      );
      return undefined;
    }
    const { environments } = this.context;
    if (environments && !environments.includes(name)) {
      this.report(
        field.at,
        field.path,
        `Unknown environment "${name}"${didYouMean(
          name,
          environments,
        )}: the backend configures ${
          environments.length > 0
            ? environments.map(env => `"${env}"`).join(', ')
            : 'none'
        } (pipelines.environments.<name>.approvers)`,
      );
      return undefined;
    }
    return name;
  }

  /** User and group refs that narrow who may decide a gate. */
  approvers(field: Field): string[] | undefined {
    const items = this.list(field, 'a list of user or group refs');
    if (!items) return undefined;
    const refs = items.map(item => {
      const ref = this.string(item, true);
      if (ref !== undefined && !APPROVER_REF.test(ref)) {
        this.report(
          item.at,
          item.path,
          `Approver "${ref}" is not a user or group ref; expected user:<namespace>/<name> or group:<namespace>/<name>`,
        );
        return undefined;
      }
      return ref;
    });
    return refs.every((ref): ref is string => ref !== undefined)
      ? refs
      : undefined;
  }

  step(field: Field): PipelineStep | undefined {
    const entries = this.mapping(field, STEP_KEYS);
    if (!entries) {
      return undefined;
    }
    const step: PipelineStep = { name: '', env: {}, continueOnError: false };

    const runField = entries.get('run');
    const usesField = entries.get('uses');
    if (runField && usesField) {
      const later =
        (runField.key?.range?.[0] ?? 0) > (usesField.key?.range?.[0] ?? 0)
          ? runField
          : usesField;
      this.report(
        later.key,
        later.path,
        'A step has either "run" or "uses", not both',
      );
    } else if (!runField && !usesField) {
      this.report(field.at, field.path, 'A step needs "run" or "uses"');
    }
    if (runField) {
      step.run = this.string(runField, true);
    }
    if (usesField) {
      const uses = this.string(usesField, true);
      const { stepTypes } = this.context;
      if (uses !== undefined && stepTypes && !stepTypes.includes(uses)) {
        this.report(
          usesField.at,
          usesField.path,
          stepTypes.length
            ? `Unknown step type "${uses}"; available: ${stepTypes.join(', ')}`
            : `Unknown step type "${uses}"; no step types are available`,
        );
      }
      step.uses = uses;
    }

    const withField = entries.get('with');
    if (withField) {
      if (!usesField) {
        this.report(
          withField.key,
          withField.path,
          '"with" is only allowed in a step with "uses"',
        );
      } else if (!isMap(withField.node)) {
        this.expected(withField, 'a mapping of inputs');
      } else {
        try {
          step.with = withField.node.toJS(this.doc, {
            maxAliasCount: MAX_ALIAS_COUNT,
          }) as Record<string, unknown>;
        } catch (error) {
          // An alias bomb (`&a [x, x]`, `&b [*a, *a]`, …) expands exponentially: refused here
          // as a problem of the file, not a server error.
          this.report(
            withField.node,
            withField.path,
            `Too many YAML aliases to expand (at most ${MAX_ALIAS_COUNT}): ${
              (error as Error).message
            }`,
          );
        }
      }
    }
    if (usesField && step.uses !== undefined) {
      // Inputs the step type cannot run without, reported at `with:` (or at `uses:` when the
      // step has no `with:`) with the missing input's field.
      const required = this.context.requiredInputs?.[step.uses] ?? [];
      const given = isMap(withField?.node) ? step.with ?? {} : undefined;
      const missing = required.filter(
        input => given?.[input] === undefined || given[input] === null,
      );
      if (missing.length > 0 && (!withField || given)) {
        const at = withField ? withField.key : usesField.at;
        const withPath = joinPath(field.path, 'with');
        for (const input of missing) {
          this.report(
            at,
            joinPath(withPath, input),
            `Step type "${step.uses}" requires the input "${input}" in "with"${
              required.length > 1 ? ` (it requires ${required.join(', ')})` : ''
            }`,
          );
        }
      }
    }

    const nameField = entries.get('name');
    if (nameField) {
      step.name = this.string(nameField, true) ?? '';
    } else if (step.run !== undefined) {
      const firstLine =
        step.run
          .split('\n')
          .map(line => line.trim())
          .find(line => line !== '') ?? '';
      step.name = firstLine.slice(0, MAX_DEFAULT_STEP_NAME);
    } else {
      step.name = step.uses ?? '';
    }

    const env = entries.get('env');
    if (env) {
      step.env = this.env(env);
    }
    const condition = entries.get('if');
    if (condition) {
      step.if = this.string(condition, true);
    }
    const timeout = entries.get('timeout');
    if (timeout) {
      step.timeoutMs = this.duration(timeout);
    }
    const continueOnError = entries.get('continue-on-error');
    if (continueOnError) {
      step.continueOnError = this.boolean(continueOnError) ?? false;
    }
    return step;
  }

  /** Reports needs on jobs that do not exist, on the job itself, and cycles. */
  checkNeeds(ids: string[], allNeeds: Map<string, Needs>) {
    const known = new Set(ids);
    const edges = new Map<string, string[]>();
    for (const id of ids) {
      const valid: string[] = [];
      for (const need of allNeeds.get(id)?.items ?? []) {
        if (need.id === id) {
          this.report(
            need.field.at,
            need.field.path,
            `Job "${id}" needs itself`,
          );
        } else if (!known.has(need.id)) {
          this.report(
            need.field.at,
            need.field.path,
            `Job "${id}" needs "${need.id}", which does not exist`,
          );
        } else {
          valid.push(need.id);
        }
      }
      edges.set(id, valid);
    }

    const order = new Map(ids.map((id, index) => [id, index]));
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const reported = new Set<string>();
    const visit = (id: string) => {
      state.set(id, 'visiting');
      stack.push(id);
      for (const next of edges.get(id) ?? []) {
        if (state.get(next) === 'visiting') {
          const cycle = stack.slice(stack.indexOf(next));
          // Start the cycle at the job that comes first in the file.
          let first = 0;
          cycle.forEach((job, index) => {
            if (order.get(job)! < order.get(cycle[first])!) {
              first = index;
            }
          });
          const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
          const text = [...rotated, rotated[0]].join(' -> ');
          if (!reported.has(text)) {
            reported.add(text);
            const needs = allNeeds.get(rotated[0])!.field;
            this.report(needs.at, needs.path, `Cyclic needs: ${text}`);
          }
        } else if (!state.has(next)) {
          visit(next);
        }
      }
      stack.pop();
      state.set(id, 'done');
    };
    for (const id of ids) {
      if (!state.has(id)) {
        visit(id);
      }
    }
  }

  /** Checks the `${{ }}` expressions in every string value, and the names `if` conditions use. */
  checkExpressions(value: unknown, segments: Array<string | number>) {
    if (isScalar(value)) {
      if (typeof value.value === 'string') {
        const jobId =
          segments[0] === 'jobs' && typeof segments[1] === 'string'
            ? segments[1]
            : undefined;
        const isCondition =
          segments[segments.length - 1] === 'if' &&
          jobId !== undefined &&
          (segments.length === 3 ||
            (segments.length === 5 && segments[2] === 'steps'));
        const check = isCondition
          ? this.checkCondition
          : this.checkStringExpressions;
        check.call(
          this,
          value.value,
          value as ParsedNode,
          segmentsToPath(segments),
          jobId,
        );
      }
    } else if (isMap(value)) {
      for (const pair of value.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (key === null || key === undefined || typeof key === 'object') {
          continue;
        }
        this.checkExpressions(pair.value, [...segments, String(key)]);
      }
    } else if (isSeq(value)) {
      value.items.forEach((item, index) =>
        this.checkExpressions(item, [...segments, index]),
      );
    }
  }

  private checkStringExpressions(
    text: string,
    node: ParsedNode,
    path: string,
    jobId: string | undefined,
  ) {
    const template = parseTemplate(text);
    for (const part of template.parts) {
      if (part.kind !== 'expression') continue;
      if (part.reference) {
        this.checkReference(part.reference, node, path, jobId);
      } else {
        this.report(node, path, unknownExpressionMessage(part.expression));
      }
    }
    if (template.unterminated) {
      this.report(node, path, 'Unterminated expression: "${{" without "}}"');
    }
  }

  /** Checks a condition's syntax and the names it uses, as the engine will read it. */
  private checkCondition(
    text: string,
    node: ParsedNode,
    path: string,
    jobId: string | undefined,
  ) {
    const parsed = parseCondition(text);
    for (const reference of parsed.references) {
      this.checkReference(reference, node, path, jobId);
    }
    for (const problem of parsed.problems) {
      this.report(node, path, problem);
    }
  }

  private checkReference(
    { scope: kind, name }: ExpressionReference,
    node: ParsedNode,
    path: string,
    jobId: string | undefined,
  ) {
    if (kind === 'params' && !this.declaredParams.has(name)) {
      this.report(
        node,
        path,
        `Unknown param "${name}"${didYouMean(name, this.declaredParams)}`,
      );
    } else if (kind === 'secrets') {
      const { secrets } = this.context;
      if (secrets && !secrets.includes(name)) {
        this.report(node, path, `Unknown secret "${name}"`);
      }
    } else if (kind === 'matrix') {
      const keys =
        jobId === undefined ? undefined : this.jobMatrixKeys.get(jobId);
      if (jobId === undefined) {
        this.report(
          node,
          path,
          `"matrix.${name}" can only be used inside a job with a matrix`,
        );
      } else if (!keys) {
        this.report(
          node,
          path,
          `"matrix.${name}" can only be used inside a job with a matrix, and job "${jobId}" has none`,
        );
      } else if (!keys.includes(name)) {
        this.report(
          node,
          path,
          `Unknown matrix key "${name}"; job "${jobId}" has: ${keys.join(
            ', ',
          )}`,
        );
      }
    }
  }
}

function segmentsToPath(segments: Array<string | number>): string {
  return segments.reduce<string>(
    (path, segment) =>
      typeof segment === 'number'
        ? `${path}[${segment}]`
        : joinPath(path, segment),
    '',
  );
}

/** Issues in file order (line, then column); issues at one place keep their order. */
export function sortIssues<T extends PipelineIssue>(issues: readonly T[]): T[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

/**
 * Parses and validates a pipeline file (`.comet/*.yaml`). Collects every problem, each with
 * the path, line and column of the offending node, sorted by position.
 */
export function parsePipeline(
  text: string,
  context: PipelineValidationContext = {},
): PipelineValidationResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    keepSourceTokens: true,
    lineCounter,
    prettyErrors: false,
  });
  const validator = new Validator(doc, lineCounter, context);
  let pipeline: PipelineDefinition | undefined;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      validator.reportAt(error.pos[0], '', `Invalid YAML: ${error.message}`);
    }
  } else {
    pipeline = validator.pipeline();
  }
  const issues = sortIssues(validator.issues);
  if (issues.length > 0 || !pipeline) {
    return { ok: false, issues };
  }
  return { ok: true, pipeline, issues: [] };
}

/**
 * The keys the parser accepts at each level of a pipeline file, and the allowed param types:
 * read-only copies of the lists it checks against, for editors that complete keys and values.
 */
export const PIPELINE_KEYS: Readonly<{
  top: readonly string[];
  triggers: readonly string[];
  push: readonly string[];
  pullRequest: readonly string[];
  schedule: readonly string[];
  param: readonly string[];
  job: readonly string[];
  step: readonly string[];
  approval: readonly string[];
}> = Object.freeze({
  top: Object.freeze([...TOP_LEVEL_KEYS]),
  triggers: Object.freeze([...TRIGGER_KEYS]),
  push: Object.freeze([...PUSH_KEYS]),
  pullRequest: Object.freeze([...PULL_REQUEST_KEYS]),
  schedule: Object.freeze([...SCHEDULE_KEYS]),
  param: Object.freeze([...PARAM_KEYS]),
  job: Object.freeze([...JOB_KEYS]),
  step: Object.freeze([...STEP_KEYS]),
  approval: Object.freeze([...APPROVAL_KEYS]),
});

/** The types a param may have (`params.NAME.type`). */
export const PIPELINE_PARAM_TYPES: readonly PipelineParamType[] = Object.freeze(
  [...PARAM_TYPES],
);
