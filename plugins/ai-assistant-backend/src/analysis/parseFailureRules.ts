import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Node as YamlNode,
  parseDocument,
  YAMLMap,
} from 'yaml';
import { analyseRegex } from './regexAnalysis';
import { parseTemplate, TemplatePart, templateGroups } from './templates';
import type { FailureRuleDefinition, FailureRuleIssue } from './types';

/** A rule's pattern, compiled and judged. */
export type CompiledPattern = {
  /** `patterns[0]`, `multiLinePatterns[1]`: where it is in its rule. */
  field: string;
  source: string;
  multiLine: boolean;
  /** Global and multi-line (`^`/`$` at line ends), for scanning a run of lines. */
  scanRegex: RegExp;
  /** For one line on its own. */
  lineRegex: RegExp;
  /** One of these occurs in every match (lower-cased for `ignoreCase` rules). */
  requiredLiterals?: string[];
};

/** A rule ready to match: its definition, compiled patterns and parsed templates. */
export type CompiledFailureRule = {
  definition: FailureRuleDefinition;
  id: string;
  name: string;
  category: string;
  priority: number;
  ignoreCase: boolean;
  patterns: CompiledPattern[];
  description: TemplatePart[];
  fix?: TemplatePart[];
};

export type FailureRulesParseResult = {
  rules: CompiledFailureRule[];
  issues: FailureRuleIssue[];
};

const RULE_KEYS = [
  'id',
  'name',
  'category',
  'description',
  'patterns',
  'multiLinePatterns',
  'ignoreCase',
  'fix',
  'priority',
] as const;
const FILE_KEYS = ['rules'];
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const MAX_PATTERN_LENGTH = 2000;
const MAX_TEXT_LENGTH = 2000;

type Position = { line: number; column: number };
/** Where a field of a rule is in its YAML text (`undefined`: the rule itself). */
type Locate = (field?: string) => Position | undefined;

function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = previous[j];
      previous[j] = Math.min(
        previous[j] + 1,
        previous[j - 1] + 1,
        diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      diagonal = saved;
    }
  }
  return previous[b.length];
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const closest = known
    .map(candidate => ({ candidate, cost: distance(key, candidate) }))
    .sort((a, b) => a.cost - b.cost)[0];
  const hint =
    closest && closest.cost <= 2 ? ` Did you mean "${closest.candidate}"?` : '';
  return `unknown key "${key}"; a rule may have ${known.join(', ')}.${hint}`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'nothing';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'object'
    ? 'a mapping'
    : `${typeof value} ${JSON.stringify(value)}`;
}

/** One pattern compiled and judged, with its groups; or why it is refused. */
function compilePattern(
  source: unknown,
  options: { field: string; multiLine: boolean; ignoreCase: boolean },
): { pattern: CompiledPattern; groups: Set<string> } | { problem: string } {
  if (typeof source !== 'string' || source === '') {
    return {
      problem: `must be a non-empty string (a regular expression), not ${describeValue(
        source,
      )}`,
    };
  }
  if (source.length > MAX_PATTERN_LENGTH) {
    return {
      problem: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`,
    };
  }
  const { field, multiLine, ignoreCase } = options;
  const flags = ignoreCase ? 'i' : '';
  let lineRegex: RegExp;
  let scanRegex: RegExp;
  try {
    lineRegex = new RegExp(source, flags);
    scanRegex = new RegExp(source, `gm${flags}`);
  } catch (error) {
    return {
      problem: `invalid regular expression ${JSON.stringify(source)}: ${(
        error as Error
      ).message.replace(/^Invalid regular expression: \/[^]*\/[a-z]*: /, '')}`,
    };
  }
  const analysis = analyseRegex(source, { multiLine, ignoreCase });
  if (analysis.problem) {
    return {
      problem: `pattern ${JSON.stringify(source)} is refused: ${
        analysis.problem
      }`,
    };
  }
  if (lineRegex.test('')) {
    return {
      problem: `pattern ${JSON.stringify(
        source,
      )} matches an empty line, so it would match every line`,
    };
  }
  if (multiLine && !analysis.canMatchNewline) {
    return {
      problem: `pattern ${JSON.stringify(
        source,
      )} never matches a line break; put single-line patterns under "patterns"`,
    };
  }
  const groups = new Set<string>(analysis.groupNames);
  for (let group = 1; group <= analysis.groupCount; group++) {
    groups.add(String(group));
  }
  return {
    pattern: {
      field,
      source,
      multiLine,
      scanRegex,
      lineRegex,
      requiredLiterals: analysis.requiredLiterals,
    },
    groups,
  };
}

/**
 * Checks one rule (a parsed mapping) and compiles it. Every problem is reported, each naming
 * the field; `locate` adds the line when the rule came from YAML.
 */
export function compileFailureRule(
  value: unknown,
  options: {
    /** Where the rule is in its file, for issue paths: `rules[3]`. */
    path?: string;
    source?: string;
    locate?: Locate;
  } = {},
): { rule?: CompiledFailureRule; issues: FailureRuleIssue[] } {
  const issues: FailureRuleIssue[] = [];
  const prefix = options.path ? `${options.path}.` : '';
  const record =
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const ruleId =
    typeof record?.id === 'string' && ID_PATTERN.test(record.id)
      ? record.id
      : undefined;
  const report = (field: string, message: string, at?: string) => {
    const issue: FailureRuleIssue = {
      field,
      path: field === '' ? options.path ?? '' : `${prefix}${field}`,
      message,
    };
    if (ruleId) {
      issue.ruleId = ruleId;
    }
    if (options.source) {
      issue.source = options.source;
    }
    const position = options.locate?.(at ?? field);
    if (position) {
      issue.line = position.line;
      issue.column = position.column;
    }
    issues.push(issue);
  };

  if (!record) {
    report(
      '',
      `a rule must be a mapping (id, name, …), not ${describeValue(value)}`,
    );
    return { issues };
  }

  for (const key of Object.keys(record)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      report(key, unknownKeyMessage(key, RULE_KEYS), `${key}:key`);
    }
  }

  const requiredText = (
    field: 'id' | 'name' | 'category' | 'description',
    pattern?: RegExp,
    patternHint?: string,
  ): string | undefined => {
    const fieldValue = record[field];
    if (fieldValue === undefined || fieldValue === null) {
      report(field, `"${field}" is missing`, '');
      return undefined;
    }
    if (typeof fieldValue !== 'string' || fieldValue.trim() === '') {
      report(
        field,
        `"${field}" must be a non-empty string, not ${describeValue(
          fieldValue,
        )}`,
      );
      return undefined;
    }
    if (fieldValue.length > MAX_TEXT_LENGTH) {
      report(field, `"${field}" is longer than ${MAX_TEXT_LENGTH} characters`);
      return undefined;
    }
    if (pattern && !pattern.test(fieldValue)) {
      report(field, `"${field}" ${JSON.stringify(fieldValue)} ${patternHint}`);
      return undefined;
    }
    return fieldValue;
  };

  const id = requiredText(
    'id',
    ID_PATTERN,
    'must be lower-case letters, digits and dashes (at most 64), starting with a letter or digit',
  );
  const name = requiredText('name');
  const category = requiredText(
    'category',
    CATEGORY_PATTERN,
    'must be lower-case letters, digits and dashes, starting with a letter (e.g. out-of-memory)',
  );
  const descriptionText = requiredText('description');

  let ignoreCase = false;
  if (record.ignoreCase !== undefined) {
    if (typeof record.ignoreCase === 'boolean') {
      ignoreCase = record.ignoreCase;
    } else {
      report(
        'ignoreCase',
        `"ignoreCase" must be true or false, not ${describeValue(
          record.ignoreCase,
        )}`,
      );
    }
  }

  let priority = 0;
  if (record.priority !== undefined) {
    if (
      typeof record.priority === 'number' &&
      Number.isInteger(record.priority) &&
      Math.abs(record.priority) <= 100
    ) {
      priority = record.priority;
    } else {
      report(
        'priority',
        `"priority" must be a whole number from -100 to 100, not ${describeValue(
          record.priority,
        )}`,
      );
    }
  }

  let fixText: string | undefined;
  if (record.fix !== undefined) {
    if (
      typeof record.fix === 'string' &&
      record.fix.trim() !== '' &&
      record.fix.length <= MAX_TEXT_LENGTH
    ) {
      fixText = record.fix;
    } else {
      report(
        'fix',
        `"fix" must be a non-empty string of at most ${MAX_TEXT_LENGTH} characters, not ${describeValue(
          record.fix,
        )}`,
      );
    }
  }

  const patterns: CompiledPattern[] = [];
  const groupSets: { field: string; groups: Set<string> }[] = [];
  let patternFieldsValid = true;
  for (const list of ['patterns', 'multiLinePatterns'] as const) {
    const listValue = record[list];
    if (listValue === undefined || listValue === null) {
      continue;
    }
    if (!Array.isArray(listValue)) {
      report(
        list,
        `"${list}" must be a list of regular expressions, not ${describeValue(
          listValue,
        )}`,
      );
      patternFieldsValid = false;
      continue;
    }
    for (const [index, source] of (listValue as unknown[]).entries()) {
      const field = `${list}[${index}]`;
      const compiled = compilePattern(source, {
        field,
        multiLine: list === 'multiLinePatterns',
        ignoreCase,
      });
      if ('problem' in compiled) {
        report(field, compiled.problem);
        patternFieldsValid = false;
      } else {
        groupSets.push({ field, groups: compiled.groups });
        patterns.push(compiled.pattern);
      }
    }
  }
  if (patterns.length === 0 && patternFieldsValid) {
    report(
      'patterns',
      'a rule needs at least one pattern, under "patterns" or "multiLinePatterns"',
      '',
    );
  }

  const template = (field: 'description' | 'fix', text: string | undefined) => {
    if (text === undefined) {
      return undefined;
    }
    const parsed = parseTemplate(text);
    if ('error' in parsed) {
      report(field, `"${field}" template: ${parsed.error}`);
      return undefined;
    }
    for (const group of templateGroups(parsed.parts)) {
      const lacking = groupSets.find(set => !set.groups.has(group));
      if (lacking) {
        report(
          field,
          `"${field}" uses {${group}}, but ${lacking.field} has no ${
            /^\d+$/.test(group)
              ? `capture group ${group}`
              : `group named "${group}"`
          }; every pattern of a rule must have the groups its templates use`,
        );
        return undefined;
      }
    }
    return parsed.parts;
  };
  const description = template('description', descriptionText);
  const fix = template('fix', fixText);

  if (issues.length > 0 || !id || !name || !category || !description) {
    return { issues };
  }
  const definition: FailureRuleDefinition = {
    id,
    name,
    category,
    description: descriptionText!,
  };
  for (const key of ['patterns', 'multiLinePatterns'] as const) {
    if (Array.isArray(record[key]) && (record[key] as unknown[]).length > 0) {
      definition[key] = [...(record[key] as string[])];
    }
  }
  if (record.ignoreCase !== undefined) definition.ignoreCase = ignoreCase;
  if (fixText !== undefined) definition.fix = fixText;
  if (record.priority !== undefined) definition.priority = priority;
  return {
    rule: {
      definition,
      id,
      name,
      category,
      priority,
      ignoreCase,
      patterns,
      description,
      fix,
    },
    issues,
  };
}

/**
 * Positions of a rule's fields in its YAML text: `key` for a value, `key:key` for the key
 * itself, `key[2]` for a list item; the rule's own position for anything else.
 */
export function yamlRuleLocator(
  node: YamlNode | null | undefined,
  lineCounter: LineCounter,
): Locate {
  const offsets = new Map<string, number>();
  if (isMap(node)) {
    for (const pair of (node as YAMLMap).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        continue;
      }
      const keyOffset = (pair.key as YamlNode).range?.[0];
      const valueNode = pair.value as YamlNode | null;
      if (keyOffset !== undefined) {
        offsets.set(`${key}:key`, keyOffset);
      }
      offsets.set(key, valueNode?.range?.[0] ?? keyOffset ?? 0);
      if (isSeq(valueNode)) {
        valueNode.items.forEach((item, index) => {
          const offset = (item as YamlNode | null)?.range?.[0];
          if (offset !== undefined) {
            offsets.set(`${key}[${index}]`, offset);
          }
        });
      }
    }
  }
  const ruleOffset = node?.range?.[0] ?? 0;
  return field => {
    const offset = (field ? offsets.get(field) : undefined) ?? ruleOffset;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}

/**
 * Reads a rules file: a YAML mapping with `rules`, a list of rules. Every rule is checked and
 * every problem reported (rule id, field, line); the rules without problems are compiled.
 */
export function parseFailureRules(
  text: string,
  options: { source?: string } = {},
): FailureRulesParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const issues: FailureRuleIssue[] = [];
  const fileIssue = (
    offset: number,
    field: string,
    path: string,
    message: string,
  ) => {
    const { line, col } = lineCounter.linePos(offset);
    const issue: FailureRuleIssue = { field, path, message, line, column: col };
    if (options.source) {
      issue.source = options.source;
    }
    issues.push(issue);
  };
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      fileIssue(error.pos[0], 'rules', '', `invalid YAML: ${error.message}`);
    }
    return { rules: [], issues };
  }
  const contents = document.contents;
  if (!isMap(contents)) {
    fileIssue(
      0,
      'rules',
      '',
      'a rules file must be a mapping with a "rules" list',
    );
    return { rules: [], issues };
  }
  for (const pair of contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!FILE_KEYS.includes(key)) {
      fileIssue(
        (pair.key as YamlNode | null)?.range?.[0] ?? 0,
        key,
        key,
        `unknown key "${key}" at the top of a rules file; it may only have "rules"`,
      );
    }
  }
  const rulesNode = contents.get('rules', true) as YamlNode | undefined;
  if (!isSeq(rulesNode)) {
    fileIssue(
      rulesNode?.range?.[0] ?? 0,
      'rules',
      'rules',
      rulesNode
        ? '"rules" must be a list of rules'
        : 'the "rules" list is missing',
    );
    return { rules: [], issues };
  }
  const rules: CompiledFailureRule[] = [];
  const firstUse = new Map<string, number>();
  rulesNode.items.forEach((item, index) => {
    const node = item as YamlNode | null;
    const path = `rules[${index}]`;
    const value = node ? node.toJS(document) : node;
    const result = compileFailureRule(value, {
      path,
      source: options.source,
      locate: yamlRuleLocator(node, lineCounter),
    });
    issues.push(...result.issues);
    if (result.rule) {
      const earlier = firstUse.get(result.rule.id);
      if (earlier !== undefined) {
        const position = yamlRuleLocator(node, lineCounter)('id');
        issues.push({
          ruleId: result.rule.id,
          field: 'id',
          path: `${path}.id`,
          message: `duplicate id "${result.rule.id}": rules[${earlier}] already uses it`,
          ...(options.source ? { source: options.source } : {}),
          line: position?.line,
          column: position?.column,
        });
        return;
      }
      firstUse.set(result.rule.id, index);
      rules.push(result.rule);
    }
  });
  return { rules, issues };
}

/** An issue as one line: `file:12:7: rule "npm-404", patterns[1]: …`. */
export function formatFailureRuleIssue(issue: FailureRuleIssue): string {
  const where = [issue.source, issue.line, issue.column]
    .filter(part => part !== undefined)
    .join(':');
  const what = issue.ruleId
    ? `rule "${issue.ruleId}"${issue.field ? `, ${issue.field}` : ''}`
    : issue.path;
  return `${where ? `${where}: ` : ''}${what ? `${what}: ` : ''}${
    issue.message
  }`;
}
