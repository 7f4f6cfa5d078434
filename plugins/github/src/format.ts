/** How long ago `iso` was, in words: `just now`, `5 minutes ago`, `3 days ago`. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'unknown';
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return 'unknown';
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  const units: Array<[string, number]> = [
    ['year', 365 * 24 * 3600],
    ['month', 30 * 24 * 3600],
    ['week', 7 * 24 * 3600],
    ['day', 24 * 3600],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** `2026-11-26 10:00` in UTC, stable across time zones. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return 'unknown';
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return 'unknown';
  return new Date(time).toISOString().slice(0, 16).replace('T', ' ');
}

/** Hours as people read them: `45 min`, `5.5 h`, `3.2 days`. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) {
    return 'no merges';
  }
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${round1(hours)} h`;
  return `${round1(hours / 24)} days`;
}

function round1(value: number) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The 7-character short sha GitHub shows. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
