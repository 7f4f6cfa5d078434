import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DEFAULT_EXPLAIN_LIMITS, type ExplainLimits } from './FailureExplainer';

const KEYS: Array<{
  key: keyof Omit<ExplainLimits, 'maxActionCalls'>;
  min: number;
  max: number;
}> = [
  { key: 'maxLogLines', min: 100, max: 2_000_000 },
  { key: 'maxEarlierLogLines', min: 100, max: 500_000 },
  { key: 'historyRuns', min: 0, max: 100 },
  { key: 'greenRuns', min: 0, max: 5 },
  { key: 'backfillRuns', min: 0, max: 20 },
];

/** `aiAssistant.failureAnalysis.*`: a bad value stops start-up naming the key. */
export function readExplainLimits(root: Config): ExplainLimits {
  const config = root.getOptionalConfig('aiAssistant.failureAnalysis');
  const limits: ExplainLimits = { ...DEFAULT_EXPLAIN_LIMITS };
  for (const { key, min, max } of KEYS) {
    const value = config?.getOptionalNumber(key);
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InputError(
        `aiAssistant.failureAnalysis.${key}: ${value} must be a whole number from ${min} to ${max}`,
      );
    }
    limits[key] = value;
  }
  return limits;
}
