/** One ISO week (Monday to Sunday, UTC) of merged pull requests. */
export type GitHubCycleTimeWeek = {
  /** The Monday, `YYYY-MM-DD`. */
  weekStart: string;
  merged: number;
  /** Median hours from opened to merged; null when nothing was merged that week. */
  medianHours: number | null;
};

export type GitHubCycleTime = {
  days: number;
  weeks: GitHubCycleTimeWeek[];
};

const DAY_MS = 86_400_000;

/** Midnight UTC of the Monday of `time`'s ISO week. */
export function mondayOf(time: number): number {
  const midnight = Math.floor(time / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: (day + 3) % 7 counts days since Monday
  const sinceMonday = (Math.floor(time / DAY_MS) + 3) % 7;
  return midnight - sinceMonday * DAY_MS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Cycle time per ISO week of the pull requests merged in the `days` before `now`: every week
 * the window touches, oldest first, with the median hours opened → merged (two decimals).
 */
export function cycleTimeOf(
  pulls: Array<{ createdAt: string; mergedAt?: string }>,
  options: { now: number; days: number },
): GitHubCycleTime {
  const { now, days } = options;
  const since = now - days * DAY_MS;
  const hoursByWeek = new Map<number, number[]>();
  for (let week = mondayOf(since); week <= now; week += 7 * DAY_MS) {
    hoursByWeek.set(week, []);
  }
  for (const pull of pulls) {
    if (!pull.mergedAt) continue;
    const merged = Date.parse(pull.mergedAt);
    if (merged < since || merged > now) continue;
    const hours = (merged - Date.parse(pull.createdAt)) / 3_600_000;
    hoursByWeek.get(mondayOf(merged))!.push(hours);
  }
  return {
    days,
    weeks: [...hoursByWeek.entries()].map(([week, hours]) => ({
      weekStart: new Date(week).toISOString().slice(0, 10),
      merged: hours.length,
      medianHours: hours.length ? Math.round(median(hours) * 100) / 100 : null,
    })),
  };
}
