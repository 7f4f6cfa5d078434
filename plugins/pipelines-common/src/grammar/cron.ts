/**
 * The cron grammar of `on.schedule[].cron`: five fields (minute hour day-of-month month
 * day-of-week, in UTC), each `*`, a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a
 * comma-separated list of these. The pipeline validator and the scheduler both read
 * expressions through {@link parseCron}.
 */

const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
];

/** One item of a field: the values low, low + step, … up to high. */
type CronRange = { low: number; high: number; step: number };

/** A parsed cron expression. */
export type CronSchedule = {
  /** Per field, the ranges it lists. */
  fields: CronRange[][];
  /** Both day fields are restricted (not `*`): then either may match, as in cron. */
  dayOrDay: boolean;
};

export type CronParseResult = {
  /** What is wrong with the expression, or undefined when it is valid. */
  problem?: string;
  /**
   * The schedule, when the expression can be read. A step after a single number (`5/10`,
   * "from 5 to the field's end") is read, as most cron implementations do, but is a problem:
   * pipeline files must write it as `5-59/10`.
   */
  schedule?: CronSchedule;
};

const ITEM = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

/** Parses a five-field cron expression. */
export function parseCron(expression: string): CronParseResult {
  const texts = expression.trim().split(/\s+/).filter(Boolean);
  if (texts.length !== CRON_FIELDS.length) {
    return {
      problem: `expected 5 fields (minute hour day-of-month month day-of-week), found ${texts.length}`,
    };
  }
  let problem: string | undefined;
  const fields: CronRange[][] = [];
  for (let i = 0; i < texts.length; i++) {
    const { name, min, max } = CRON_FIELDS[i];
    const invalid = `${name} field "${texts[i]}" is not valid; expected *, a number, a range a-b, a step */n or a-b/n, or a list of these`;
    const ranges: CronRange[] = [];
    for (const item of texts[i].split(',')) {
      const match = ITEM.exec(item);
      if (!match) return { problem: problem ?? invalid };
      const [, star, first, last, stepText] = match;
      for (const bound of [first, last]) {
        if (
          bound !== undefined &&
          (Number(bound) < min || Number(bound) > max)
        ) {
          return {
            problem:
              problem ?? `${name} ${bound} is out of range ${min}-${max}`,
          };
        }
      }
      if (last !== undefined && Number(first) > Number(last)) {
        return {
          problem: problem ?? `${name} range ${first}-${last} is backwards`,
        };
      }
      if (stepText !== undefined && Number(stepText) < 1) {
        return {
          problem: problem ?? `${name} step /${stepText} must be at least 1`,
        };
      }
      // A step needs `*` or a range before it: `5/10` is not a simple cron field.
      if (stepText !== undefined && !star && last === undefined) {
        problem ??= invalid;
      }
      let low = min;
      let high = max;
      if (!star) {
        low = Number(first);
        if (last !== undefined) high = Number(last);
        else if (stepText === undefined) high = low;
      }
      ranges.push({ low, high, step: stepText ? Number(stepText) : 1 });
    }
    fields.push(ranges);
  }
  return {
    problem,
    schedule: { fields, dayOrDay: texts[2] !== '*' && texts[4] !== '*' },
  };
}

/** What is wrong with a five-field cron expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  return parseCron(expression).problem;
}

/**
 * Whether a cron expression (UTC) matches the given minute; false for one that cannot be
 * read.
 */
export function cronMatches(expression: string, date: Date): boolean {
  const { schedule } = parseCron(expression);
  if (!schedule) return false;
  const values = [
    date.getUTCMinutes(),
    date.getUTCHours(),
    date.getUTCDate(),
    date.getUTCMonth() + 1,
    date.getUTCDay(),
  ];
  const [minute, hour, dayOfMonth, month, dayOfWeek] = schedule.fields.map(
    (ranges, index) => rangesMatch(ranges, values[index], index === 4),
  );
  const day = schedule.dayOrDay
    ? dayOfMonth || dayOfWeek
    : dayOfMonth && dayOfWeek;
  return minute && hour && month && day;
}

function rangesMatch(
  ranges: CronRange[],
  value: number,
  weekday: boolean,
): boolean {
  return ranges.some(({ low, high, step }) => {
    // Day-of-week 7 is Sunday, like 0
    const values = weekday && value === 0 ? [0, 7] : [value];
    return values.some(v => v >= low && v <= high && (v - low) % step === 0);
  });
}
