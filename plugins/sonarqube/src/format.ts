/** SonarQube ratings are "1.0" (A) … "5.0" (E). */
export function ratingLetter(value?: string): string | undefined {
  if (value === undefined) return undefined;
  const n = Math.round(Number(value));
  return n >= 1 && n <= 5 ? 'ABCDE'[n - 1] : undefined;
}

/** Technical debt in minutes → "3d 4h", "45min" (SonarQube's 8-hour days). */
export function formatDebt(minutes?: string): string | undefined {
  if (minutes === undefined) return undefined;
  let m = Number(minutes);
  if (!Number.isFinite(m)) return undefined;
  const days = Math.floor(m / 480);
  m -= days * 480;
  const hours = Math.floor(m / 60);
  m -= hours * 60;
  const parts = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (!days && (m || parts.length === 0)) parts.push(`${m}min`);
  return parts.join(' ');
}

export function formatPercent(value?: string): string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? `${n.toFixed(1)}%` : undefined;
}

export function formatCount(value?: string): string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString('en-US') : undefined;
}

const METRIC_NAMES: Record<string, string> = {
  coverage: 'Coverage',
  new_coverage: 'Coverage on new code',
  bugs: 'Bugs',
  new_bugs: 'New bugs',
  vulnerabilities: 'Vulnerabilities',
  new_vulnerabilities: 'New vulnerabilities',
  code_smells: 'Code smells',
  new_code_smells: 'New code smells',
  duplicated_lines_density: 'Duplications',
  new_duplicated_lines_density: 'Duplications on new code',
  reliability_rating: 'Reliability rating',
  new_reliability_rating: 'Reliability rating on new code',
  security_rating: 'Security rating',
  new_security_rating: 'Security rating on new code',
  sqale_rating: 'Maintainability rating',
  new_maintainability_rating: 'Maintainability rating on new code',
  security_hotspots_reviewed: 'Security hotspots reviewed',
  new_security_hotspots_reviewed: 'Security hotspots reviewed on new code',
};

export function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric.replace(/_/g, ' ');
}
