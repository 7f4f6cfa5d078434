import {
  DEFAULT_DELIVERY_HEALTH_THRESHOLDS,
  DeliveryHealthThresholds,
  rateFigure,
} from './thresholds';

describe('rateFigure', () => {
  const thresholds: DeliveryHealthThresholds = {
    ...DEFAULT_DELIVERY_HEALTH_THRESHOLDS,
    successRate: { warn: 90, bad: 75 },
    openBugs: { warn: 5, bad: 20 },
  };

  it('rates a figure where more is better: at or below a bound is past it', () => {
    expect(rateFigure('successRate', 100, thresholds)).toBe('good');
    expect(rateFigure('successRate', 90.5, thresholds)).toBe('good');
    expect(rateFigure('successRate', 90, thresholds)).toBe('warn');
    expect(rateFigure('successRate', 76, thresholds)).toBe('warn');
    expect(rateFigure('successRate', 75, thresholds)).toBe('bad');
    expect(rateFigure('successRate', 0, thresholds)).toBe('bad');
  });

  it('rates a figure where less is better: at or above a bound is past it', () => {
    expect(rateFigure('openBugs', 0, thresholds)).toBe('good');
    expect(rateFigure('openBugs', 4, thresholds)).toBe('good');
    expect(rateFigure('openBugs', 5, thresholds)).toBe('warn');
    expect(rateFigure('openBugs', 19, thresholds)).toBe('warn');
    expect(rateFigure('openBugs', 20, thresholds)).toBe('bad');
  });

  it('has defaults whose bounds are in the right order', () => {
    expect(DEFAULT_DELIVERY_HEALTH_THRESHOLDS.successRate.bad).toBeLessThan(
      DEFAULT_DELIVERY_HEALTH_THRESHOLDS.successRate.warn,
    );
    expect(DEFAULT_DELIVERY_HEALTH_THRESHOLDS.flakyTests.bad).toBeGreaterThan(
      DEFAULT_DELIVERY_HEALTH_THRESHOLDS.flakyTests.warn,
    );
  });
});
