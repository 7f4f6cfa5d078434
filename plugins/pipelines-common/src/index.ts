/**
 * Types, validation and permissions shared by Comet's pipelines frontend and backend.
 *
 * @packageDocumentation
 */
export * from './definition';
export * from './runs';
export * from './permissions';
export * from './annotations';
export * from './apiTypes';
export {
  parsePipeline,
  expandMatrix,
  parseDuration,
  paramValueProblem,
  sortIssues,
} from './parsePipeline';
export { PIPELINE_KEYS, PIPELINE_PARAM_TYPES } from './parsePipeline';
export { cronMatches, cronProblem, parseCron } from './grammar/cron';
export type { CronParseResult, CronSchedule } from './grammar/cron';
export {
  ALLOWED_EXPRESSIONS,
  evaluateParsedCondition,
  FIXED_REFERENCES,
  isTruthy,
  parseCondition,
  parseReference,
  parseTemplate,
} from './grammar/expressions';
export type {
  Condition,
  ConditionParseResult,
  ConditionValue,
  ExpressionReference,
  ParsedTemplate,
  TemplatePart,
} from './grammar/expressions';
