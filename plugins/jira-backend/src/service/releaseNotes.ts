import type { JiraIssue, JiraReleaseNotes } from '@internal/plugin-jira-common';

const TYPE_ORDER = ['epic', 'story', 'feature', 'improvement', 'task', 'bug'];

/** Markdown-safe one-line text: no line breaks, brackets and emphasis escaped. */
function inline(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/([\\[\]*_`<>])/g, '\\$1')
    .trim();
}

/**
 * Release notes of a fix version: its issues grouped by type (epics, stories, tasks, bugs,
 * then the rest by name), each a linked key and its summary, sub-tasks left out.
 */
export function releaseNotes(
  version: string,
  issues: JiraIssue[],
): JiraReleaseNotes {
  const byType = new Map<string, JiraIssue[]>();
  for (const issue of issues) {
    if (issue.type.subtask) continue;
    const list = byType.get(issue.type.name) ?? [];
    list.push(issue);
    byType.set(issue.type.name, list);
  }
  const rank = (name: string) => {
    const index = TYPE_ORDER.indexOf(name.toLowerCase());
    return index < 0 ? TYPE_ORDER.length : index;
  };
  const groups = [...byType.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([type, list]) => ({
      type,
      issues: [...list].sort((a, b) =>
        a.key.localeCompare(b.key, 'en', { numeric: true }),
      ),
    }));
  const lines = [`# Release notes: ${inline(version)}`, ''];
  if (groups.length === 0) {
    lines.push('No issues have this fix version.', '');
  }
  for (const group of groups) {
    lines.push(`## ${inline(group.type)}`, '');
    for (const issue of group.issues) {
      lines.push(`- [${issue.key}](${issue.url}) ${inline(issue.summary)}`);
    }
    lines.push('');
  }
  return { version, markdown: lines.join('\n'), groups };
}
