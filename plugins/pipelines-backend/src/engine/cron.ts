/** Whether a five-field cron expression (UTC) matches the given minute. */
export function cronMatches(expression: string, date: Date): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  const values = [
    date.getUTCMinutes(),
    date.getUTCHours(),
    date.getUTCDate(),
    date.getUTCMonth() + 1,
    date.getUTCDay(),
  ];
  const ranges: Array<[number, number]> = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  const matches = fields.map((field, index) =>
    fieldMatches(field, values[index], ranges[index], index === 4),
  );
  const [minute, hour, dayOfMonth, month, dayOfWeek] = matches;
  // As in cron: when both day fields are restricted, either may match.
  const dayRestricted = fields[2] !== '*' && fields[4] !== '*';
  const day = dayRestricted ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
  return minute && hour && month && day;
}

function fieldMatches(
  field: string,
  value: number,
  [min, max]: [number, number],
  weekday: boolean,
): boolean {
  return field.split(',').some(part => {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let low = min;
    let high = max;
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      low = a;
      if (b !== undefined) high = b;
      else if (stepText) high = max;
      else high = a;
    }
    for (let v = low; v <= high; v += step) {
      if (v === value || (weekday && v === 7 && value === 0)) return true;
    }
    return false;
  });
}
