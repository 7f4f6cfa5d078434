import { isSeq, LineCounter, parseDocument } from 'yaml';
import { detachFromLog } from './detach';
import { FailureKnowledgeBase } from './FailureKnowledgeBase';
import { LogText } from './LogText';
import { compileFailureRule, yamlRuleLocator } from './parseFailureRules';
import type {
  FailureMatchLimits,
  FailureRuleIssue,
  FailureRuleMatch,
  FailureRuleStop,
} from './types';

/** The most of a log an admin may test a rule against. */
export const MAX_TEST_LOG_CHARS = 32 * 1024 * 1024;

/** What testing a rule against a log gives, for the admin view. */
export type FailureRuleTestResult =
  | {
      ok: true;
      ruleId: string;
      category: string;
      /** The first matches, with line numbers and the rendered description. */
      matches: FailureRuleMatch[];
      matchCount: number;
      stoppedBy?: FailureRuleStop;
      /** Lines in the log, and how long matching took. */
      logLines: number;
      durationMs: number;
      warnings: string[];
    }
  | {
      ok: false;
      /** Every problem with the rule (or the log), each naming the field. */
      issues: FailureRuleIssue[];
    };

/**
 * Tests one rule against one log. The rule is YAML text (one rule mapping, as in a rules file,
 * optionally as a one-item list) or an already parsed object. Invalid rules give their
 * problems, with lines for YAML, rather than throwing.
 */
export function testFailureRule(input: {
  rule: string | unknown;
  log: string;
  limits?: FailureMatchLimits;
  mask?: (text: string) => string;
}): FailureRuleTestResult {
  if (typeof input.log !== 'string') {
    return {
      ok: false,
      issues: [{ field: 'log', path: 'log', message: 'the log must be text' }],
    };
  }
  if (input.log.length > MAX_TEST_LOG_CHARS) {
    return {
      ok: false,
      issues: [
        {
          field: 'log',
          path: 'log',
          message: `the log has ${input.log.length} characters; a rule can be tested against at most ${MAX_TEST_LOG_CHARS}`,
        },
      ],
    };
  }
  let compiled: ReturnType<typeof compileFailureRule>;
  if (typeof input.rule === 'string') {
    const lineCounter = new LineCounter();
    const document = parseDocument(input.rule, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
    });
    if (document.errors.length > 0) {
      return {
        ok: false,
        issues: document.errors.map(error => {
          const { line, col } = lineCounter.linePos(error.pos[0]);
          return {
            field: '',
            path: '',
            message: `invalid YAML: ${error.message}`,
            line,
            column: col,
          };
        }),
      };
    }
    let node = document.contents;
    if (isSeq(node) && node.items.length === 1) {
      node = node.items[0] as typeof node;
    }
    compiled = compileFailureRule(node ? node.toJS(document) : node, {
      locate: yamlRuleLocator(node, lineCounter),
    });
  } else {
    compiled = compileFailureRule(input.rule);
  }
  if (!compiled.rule) {
    return { ok: false, issues: compiled.issues };
  }
  const started = performance.now();
  const log = LogText.from(input.log);
  const report = FailureKnowledgeBase.fromRules([compiled.rule]).match(log, {
    ...input.limits,
    mask: input.mask,
  });
  const matched = report.rules[0];
  const result: FailureRuleTestResult = {
    ok: true,
    ruleId: compiled.rule.id,
    category: compiled.rule.category,
    matches: matched?.matches ?? [],
    matchCount: matched?.matchCount ?? 0,
    logLines: log.lineCount,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    warnings: report.warnings,
  };
  if (matched?.stoppedBy) {
    result.stoppedBy = matched.stoppedBy;
  } else if (report.warnings.length > 0) {
    result.stoppedBy = 'time-budget';
  }
  return detachFromLog(result);
}
