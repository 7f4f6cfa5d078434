import type {
  JiraBurndownPoint,
  JiraIssue,
  JiraSprint,
} from '@internal/plugin-jira-common';
import type { JiraChangelogEntry } from '@internal/plugin-jira-node';

const DAY = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD` of a time, in UTC. */
function day(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * When an issue that is done now became done: the last change of its status to the status it
 * has now. Undefined for an issue that is not done (reopened issues count as not done).
 */
export function doneAt(
  issue: JiraIssue,
  changelog: JiraChangelogEntry[],
): number | undefined {
  if (issue.status.category !== 'done') return undefined;
  let found: number | undefined;
  for (const entry of changelog) {
    for (const item of entry.items) {
      if (
        (item.fieldId ?? item.field).toLowerCase() === 'status' &&
        item.toString === issue.status.name
      ) {
        const time = Date.parse(entry.created);
        if (!Number.isNaN(time) && (found === undefined || time > found)) {
          found = time;
        }
      }
    }
  }
  // Created done (or a changelog without the move): done since it was created
  return found ?? Date.parse(issue.created);
}

/**
 * Remaining story points at the end of each day of a sprint, from its start to its end (or
 * today, for an active sprint), and the ideal line from the committed points to zero. Points
 * are each issue's current estimate; an issue done before the sprint started counts as done
 * from day one.
 */
export function computeBurndown(options: {
  sprint: JiraSprint;
  issues: Array<{ issue: JiraIssue; changelog: JiraChangelogEntry[] }>;
  now: number;
}): JiraBurndownPoint[] {
  const { sprint, issues, now } = options;
  if (!sprint.startDate) return [];
  const start = Date.parse(sprint.startDate);
  const end = sprint.endDate ? Date.parse(sprint.endDate) : now;
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return [];
  const last = Math.min(end, now);
  const items = issues.map(({ issue, changelog }) => ({
    points: issue.storyPoints ?? 0,
    done: doneAt(issue, changelog),
  }));
  const total = items.reduce((sum, i) => sum + i.points, 0);
  const days = Math.max(1, Math.ceil((end - start) / DAY));
  const points: JiraBurndownPoint[] = [];
  for (let i = 0; ; i++) {
    const endOfDay = Date.UTC(
      new Date(start).getUTCFullYear(),
      new Date(start).getUTCMonth(),
      new Date(start).getUTCDate() + i + 1,
    );
    const cutoff = Math.min(endOfDay, last);
    const remaining = items
      .filter(item => item.done === undefined || item.done > cutoff)
      .reduce((sum, item) => sum + item.points, 0);
    points.push({
      date: day(endOfDay - 1),
      remaining,
      ideal: Math.max(0, Math.round(total * (1 - (i + 1) / days) * 10) / 10),
    });
    if (endOfDay >= last || i > 366) break;
  }
  return points;
}
