export { explainOffline, DEFAULT_MAX_LOG_CHARS } from './explainOffline';
export type { ExplainContext } from './explainOffline';
export {
  FailureKnowledgeBase,
  DEFAULT_RULES_FILE,
  DEFAULT_MAX_MATCHES_PER_RULE,
  DEFAULT_RULE_TIME_BUDGET_MS,
} from './FailureKnowledgeBase';
export type {
  FailureMatchOptions,
  FailureMatchReport,
} from './FailureKnowledgeBase';
export {
  computeFingerprint,
  describeFingerprintHistory,
  findErrorBlock,
  findErrorLines,
  isErrorLine,
} from './fingerprint';
export { findNewLines, LogBaseline } from './LogBaseline';
export { LogText } from './LogText';
export type { LogChunk } from './LogText';
export { lineShapeHash, normaliseLogLine } from './normalise';
export {
  compileFailureRule,
  formatFailureRuleIssue,
  parseFailureRules,
} from './parseFailureRules';
export type {
  CompiledFailureRule,
  FailureRulesParseResult,
} from './parseFailureRules';
export { buildPromptExcerpt } from './promptExcerpt';
export type { PromptExcerpt, PromptExcerptOptions } from './promptExcerpt';
export { testFailureRule, MAX_TEST_LOG_CHARS } from './testFailureRule';
export type { FailureRuleTestResult } from './testFailureRule';
export type * from './types';
