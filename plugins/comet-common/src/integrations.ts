import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Save or remove a portal-side override of an entity's wiring (the Integrations card). The
 * entity decides, so the policy's ownership condition lets owners change their own entities.
 */
export const cometIntegrationsOverridePermission = createPermission({
  name: 'comet.integrations.override',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const cometPermissions = [cometIntegrationsOverridePermission];

/** The annotations the Integrations card may set, and nothing else. */
export const WIRING_ANNOTATIONS = [
  'jira/project-key',
  'jira/component',
  'jenkins.io/job-full-name',
  'sonarqube.org/project-key',
  'comet.dev/test-suites',
  'comet.dev/pipelines',
] as const;

export type WiringAnnotation = (typeof WIRING_ANNOTATIONS)[number];

/** Whether `key` is one of {@link WIRING_ANNOTATIONS}. */
export function isWiringAnnotation(key: string): key is WiringAnnotation {
  return (WIRING_ANNOTATIONS as readonly string[]).includes(key);
}

/**
 * Set by the catalog processor on an entity whose annotations a portal-side override changed:
 * the keys it changed, comma-separated, e.g. `jira/project-key,comet.dev/test-suites`.
 */
export const OVERRIDDEN_ANNOTATIONS_ANNOTATION =
  'comet.dev/overridden-annotations';

/** How a change of wiring is applied. */
export type WiringMode = 'pull-request' | 'override';

/** A portal-side override: the annotations it sets, who saved it and when. */
export type WiringOverride = {
  entityRef: string;
  annotations: Partial<Record<WiringAnnotation, string>>;
  updatedBy: string;
  /** ISO 8601. */
  updatedAt: string;
};

/** `GET /integrations/wiring`: an entity's wiring as the catalog has it, and how to change it. */
export type WiringResponse = {
  entityRef: string;
  /** The wiring annotations the catalog's entity has now (overrides included once processed). */
  annotations: Partial<Record<WiringAnnotation, string>>;
  override?: WiringOverride;
  /** The annotations the catalog shows as coming from an override. */
  overridden: WiringAnnotation[];
  /** `pull-request` when the repository is writable through GitHub, else `override`. */
  mode: WiringMode;
  /** Why `mode` is `override`, when it is. */
  modeReason?: string;
  /** Whether the caller may save an override (owner or admin). */
  canOverride: boolean;
};

/** One list of choices of the card: what to pick from, or why there is none. */
export type WiringChoices = {
  /** `list`: pick from `values` (free text is validated); `text`: type a value. */
  input: 'list' | 'text';
  values: Array<{ value: string; label: string }>;
  /** Why the family cannot be wired here, e.g. "not configured: set jira.instances". */
  notConfigured?: string;
  /** A failure reading the list (the field is then free text, validated on save). */
  error?: string;
  /** What a typed value looks like. */
  hint: string;
};

/** `GET /integrations/options`: the choices of each field. */
export type WiringOptionsResponse = {
  entityRef: string;
  fields: Record<WiringAnnotation, WiringChoices>;
};

/** `POST /integrations/wiring`. */
export type WiringChangeRequest = {
  entityRef: string;
  annotations: Partial<Record<WiringAnnotation, string>>;
  mode: WiringMode;
};

/** The answer to `POST /integrations/wiring`. */
export type WiringChangeResponse =
  | { mode: 'pull-request'; pullRequestUrl: string }
  | { mode: 'override'; override: WiringOverride };

/** A message of a wiring 400 names its field as `field "<annotation>"`. */
export const WIRING_FIELD_PATTERN = /field "([^"]+)"/;
