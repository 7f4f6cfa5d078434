import type { JiraStatusCategory } from '@internal/plugin-jira-common';

/** Jira's own names of its three status categories. */
export const CATEGORY_LABEL: Record<JiraStatusCategory, string> = {
  new: 'To Do',
  indeterminate: 'In Progress',
  done: 'Done',
};

export const CATEGORIES: JiraStatusCategory[] = [
  'new',
  'indeterminate',
  'done',
];

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:mm` in the browser's time zone; the input as is when it is no date. */
export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(
    date.getDate(),
  )} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `YYYY-MM-DD` in the browser's time zone. */
export function formatDate(iso: string | undefined): string {
  return formatDateTime(iso).slice(0, 10);
}

/** A file name for a version's release notes: `release-notes-<version>.md`, safe characters. */
export function releaseNotesFileName(version: string): string {
  const safe = version
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `release-notes-${safe || 'version'}.md`;
}

/** Splits a comma-separated field into trimmed, non-empty, unique items. */
export function splitList(value: string): string[] {
  return Array.from(
    new Set(
      value
        .split(',')
        .map(item => item.trim())
        .filter(Boolean),
    ),
  );
}
