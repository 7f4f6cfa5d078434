import {
  formatCount,
  formatDebt,
  formatPercent,
  metricName,
  ratingLetter,
} from './format';

describe('format', () => {
  it('turns SonarQube ratings into letters, and nothing for values out of range', () => {
    expect(['1.0', '2.0', '3.0', '4.0', '5.0'].map(ratingLetter)).toEqual([
      'A',
      'B',
      'C',
      'D',
      'E',
    ]);
    expect(ratingLetter(undefined)).toBeUndefined();
    expect(ratingLetter('0')).toBeUndefined();
    expect(ratingLetter('6.0')).toBeUndefined();
    expect(ratingLetter('n/a')).toBeUndefined();
  });

  it('writes debt in 8-hour days, hours and minutes', () => {
    expect(formatDebt(undefined)).toBeUndefined();
    expect(formatDebt('abc')).toBeUndefined();
    expect(formatDebt('0')).toBe('0min');
    expect(formatDebt('45')).toBe('45min');
    expect(formatDebt('60')).toBe('1h');
    expect(formatDebt('75')).toBe('1h 15min');
    expect(formatDebt('480')).toBe('1d');
    // Days leave the minutes out
    expect(formatDebt('1545')).toBe('3d 1h');
  });

  it('writes percentages with one decimal and counts with separators', () => {
    expect(formatPercent('71.25')).toBe('71.3%');
    expect(formatPercent(undefined)).toBeUndefined();
    expect(formatPercent('x')).toBeUndefined();
    expect(formatCount('12000')).toBe('12,000');
    expect(formatCount(undefined)).toBeUndefined();
    expect(formatCount('x')).toBeUndefined();
  });

  it('names metrics, and spells out the ones it does not know', () => {
    expect(metricName('new_coverage')).toBe('Coverage on new code');
    expect(metricName('new_blocker_violations')).toBe('new blocker violations');
  });
});
