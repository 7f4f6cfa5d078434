import type {
  JiraComment,
  JiraCreateField,
  JiraIssue,
  JiraStatusCategory,
  JiraTransition,
  JiraUser,
  JiraVersion,
} from '@internal/plugin-jira-common';
import { adfToMarkdown, bodyToAdf } from './markup';
import type { JiraChangelogEntry, JiraInstanceConfig } from './types';

/** A user as Cloud (`accountId`) or Data Center (`key`, `name`) answers it. */
export type RawUser = {
  accountId?: string;
  key?: string;
  name?: string;
  displayName?: string;
  emailAddress?: string;
  avatarUrls?: Record<string, string>;
};

export type RawIssue = {
  id: string;
  key: string;
  fields?: Record<string, any>;
  changelog?: { histories?: RawHistory[] };
};

export type RawHistory = {
  id?: string;
  created: string;
  items?: Array<{
    field: string;
    fieldId?: string;
    from?: string | null;
    fromString?: string | null;
    to?: string | null;
    toString?: string | null;
  }>;
};

export type RawComment = {
  id: string;
  author?: RawUser;
  body?: unknown;
  created: string;
};

export type RawTransition = {
  id: string;
  name: string;
  to?: { name?: string; statusCategory?: { key?: string } };
};

/** The fields `JiraIssue` is made of; the configured custom fields come on top. */
export const ISSUE_FIELDS = [
  'summary',
  'status',
  'issuetype',
  'priority',
  'assignee',
  'reporter',
  'labels',
  'components',
  'fixVersions',
  'created',
  'updated',
  'resolution',
];

const STORY_POINTS_NAME = /^story[\s_-]?points$/i;

/** The field id of the instance's story points (`Story points` or `storyPoints` in config). */
export function storyPointsField(
  instance: JiraInstanceConfig,
): string | undefined {
  const entry = Object.entries(instance.customFields).find(([name]) =>
    STORY_POINTS_NAME.test(name),
  );
  return entry?.[1];
}

/** Jira's `2024-05-01T10:15:30.000+0000` (or any parseable date) → ISO 8601 in UTC. */
export function isoDate(value: unknown): string {
  if (typeof value !== 'string' || !value) return '';
  const normalized = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export function statusCategory(key: unknown): JiraStatusCategory {
  return key === 'indeterminate' || key === 'done' ? key : 'new';
}

export function mapUser(raw: RawUser | null | undefined): JiraUser | undefined {
  if (!raw) return undefined;
  const id = raw.accountId ?? raw.key ?? raw.name;
  if (!id) return undefined;
  return {
    id,
    displayName: raw.displayName ?? raw.name ?? id,
    ...(raw.emailAddress ? { emailAddress: raw.emailAddress } : {}),
    ...(raw.avatarUrls?.['48x48']
      ? { avatarUrl: raw.avatarUrls['48x48'] }
      : {}),
  };
}

/** A custom field's value as shown: an option's value, a named thing's name, lists of those. */
function displayValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(displayValue);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.value === 'string') return v.value;
    if (typeof v.name === 'string') return v.name;
    if (typeof v.displayName === 'string') return v.displayName;
  }
  return value;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (
    typeof value === 'string' &&
    value.trim() &&
    !Number.isNaN(Number(value))
  ) {
    return Number(value);
  }
  return undefined;
}

export function issueUrl(instance: JiraInstanceConfig, key: string): string {
  return `${instance.browseUrl}/browse/${encodeURIComponent(key)}`;
}

export function mapIssue(
  raw: RawIssue,
  instance: JiraInstanceConfig,
): JiraIssue {
  const f = raw.fields ?? {};
  const customFields: Record<string, unknown> = {};
  for (const [name, id] of Object.entries(instance.customFields)) {
    if (id in f) customFields[name] = displayValue(f[id]);
  }
  const pointsField = storyPointsField(instance);
  const storyPoints = pointsField ? toNumber(f[pointsField]) : undefined;
  const assignee = mapUser(f.assignee);
  const reporter = mapUser(f.reporter);
  return {
    key: raw.key,
    id: String(raw.id),
    url: issueUrl(instance, raw.key),
    summary: f.summary ?? '',
    status: {
      name: f.status?.name ?? '',
      category: statusCategory(f.status?.statusCategory?.key),
    },
    type: {
      name: f.issuetype?.name ?? '',
      ...(f.issuetype?.iconUrl ? { iconUrl: f.issuetype.iconUrl } : {}),
      ...(typeof f.issuetype?.subtask === 'boolean'
        ? { subtask: f.issuetype.subtask }
        : {}),
    },
    ...(f.priority?.name
      ? {
          priority: {
            name: f.priority.name,
            ...(f.priority.iconUrl ? { iconUrl: f.priority.iconUrl } : {}),
          },
        }
      : {}),
    ...(assignee ? { assignee } : {}),
    ...(reporter ? { reporter } : {}),
    labels: Array.isArray(f.labels) ? f.labels : [],
    components: Array.isArray(f.components)
      ? f.components.map((c: { name: string }) => c.name)
      : [],
    fixVersions: Array.isArray(f.fixVersions)
      ? f.fixVersions.map((v: { name: string }) => v.name)
      : [],
    ...(storyPoints !== undefined ? { storyPoints } : {}),
    customFields,
    created: isoDate(f.created),
    updated: isoDate(f.updated),
    ...(f.resolution?.name ? { resolution: f.resolution.name } : {}),
  };
}

export function mapComment(raw: RawComment): JiraComment {
  const author = mapUser(raw.author);
  return {
    id: String(raw.id),
    ...(author ? { author } : {}),
    bodyMarkdown: adfToMarkdown(bodyToAdf(raw.body)),
    created: isoDate(raw.created),
  };
}

export function mapTransition(raw: RawTransition): JiraTransition {
  return {
    id: String(raw.id),
    name: raw.name,
    to: {
      name: raw.to?.name ?? '',
      category: statusCategory(raw.to?.statusCategory?.key),
    },
  };
}

export function mapHistory(raw: RawHistory): JiraChangelogEntry {
  return {
    created: isoDate(raw.created),
    items: (raw.items ?? []).map(item => ({
      field: item.field,
      ...(item.fieldId ? { fieldId: item.fieldId } : {}),
      from: item.from ?? null,
      fromString: item.fromString ?? null,
      to: item.to ?? null,
      toString: item.toString ?? null,
    })),
  };
}

export function mapVersion(
  raw: {
    id: string | number;
    name: string;
    released?: boolean;
    releaseDate?: string;
  },
  projectKey: string,
): JiraVersion {
  return {
    id: String(raw.id),
    name: raw.name,
    released: raw.released ?? false,
    ...(raw.releaseDate ? { releaseDate: raw.releaseDate } : {}),
    projectKey,
  };
}

export function mapCreateField(raw: {
  fieldId?: string;
  key?: string;
  name?: string;
  required?: boolean;
  schema?: { type?: string; items?: string };
  allowedValues?: Array<Record<string, unknown>>;
}): JiraCreateField {
  const id = raw.fieldId ?? raw.key ?? '';
  return {
    id,
    name: raw.name ?? id,
    required: raw.required ?? false,
    schemaType: raw.schema?.type ?? 'any',
    ...(raw.schema?.items ? { itemsType: raw.schema.items } : {}),
    ...(raw.allowedValues
      ? {
          allowedValues: raw.allowedValues.map(value => ({
            id: String(value.id ?? value.key ?? value.value ?? value.name),
            name: String(
              value.name ?? value.value ?? value.key ?? value.id ?? '',
            ),
          })),
        }
      : {}),
  };
}
