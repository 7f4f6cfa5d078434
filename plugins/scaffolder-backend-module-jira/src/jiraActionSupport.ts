import { InputError } from '@backstage/errors';
import { selectInstance } from '@internal/backend-common';
import { JIRA_CONFIG_KEY, type JiraUser } from '@internal/plugin-jira-common';
import {
  JiraError,
  type JiraClient,
  type JiraInstances,
} from '@internal/plugin-jira-node';

/** A Jira project key as templates write it: `PAY`, `LEDGER_2`. */
export const PROJECT_KEY = /^[A-Z][A-Z0-9_]+$/;

/** Jira's limit for issue summaries and component names. */
export const JIRA_NAME_MAX = 255;

/**
 * A decision of the permission service. `AuthorizeResult.ALLOW` is the string `ALLOW`; compared
 * as a string so this package needs no `@backstage/plugin-permission-common` of its own.
 */
export function isAllowed(decision: { result: string } | undefined): boolean {
  return decision?.result === 'ALLOW';
}

/**
 * The client of the instance the `instance` input names, or of the default one (the instance
 * called `default`, else the only one: `selectInstance`). Every failure is the template
 * author's to fix, so an InputError that names the input.
 */
export function clientFor(
  jira: JiraInstances,
  name: string | undefined,
  actionId: string,
): JiraClient {
  if (!jira.isConfigured()) {
    throw new InputError(
      `Jira is not configured: add an instance under ${JIRA_CONFIG_KEY}.instances to use ${actionId}`,
    );
  }
  let instanceName: string;
  try {
    instanceName = selectInstance(jira.list(), name, {
      system: 'Jira',
      configKey: `${JIRA_CONFIG_KEY}.instances`,
      annotation: 'the instance input',
    }).name;
  } catch (error) {
    throw new InputError(`instance: ${(error as Error).message}`);
  }
  return jira.select(instanceName);
}

export function checkProjectKey(projectKey: string) {
  if (!PROJECT_KEY.test(projectKey)) {
    throw new InputError(
      `projectKey: "${projectKey}" is not a Jira project key: an upper-case letter, then upper-case letters, digits or "_", e.g. PAY`,
    );
  }
}

/** A required name-like input, trimmed, at most Jira's 255 characters. */
export function checkName(field: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) {
    throw new InputError(`${field}: must not be empty`);
  }
  if (trimmed.length > JIRA_NAME_MAX) {
    throw new InputError(
      `${field}: is ${trimmed.length} characters long; Jira takes at most ${JIRA_NAME_MAX}`,
    );
  }
  return trimmed;
}

/** A read of project `projectKey`; a 404 says the project does not exist, naming the input. */
export async function inProject<T>(
  client: JiraClient,
  projectKey: string,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof JiraError && error.kind === 'notFound') {
      throw new InputError(
        `projectKey: Jira project ${projectKey} does not exist on instance ${client.instance.name}, or Comet's Jira account may not browse it`,
      );
    }
    throw error;
  }
}

/** The Jira account of an email address, or an InputError naming `field`. */
export async function accountOf(
  client: JiraClient,
  email: string,
  field: string,
): Promise<JiraUser> {
  const user = await client.findUserByEmail(email.trim());
  if (!user) {
    throw new InputError(
      `${field}: no account on Jira instance "${
        client.instance.name
      }" has the email ${email.trim()}`,
    );
  }
  return user;
}

/**
 * A write Jira refused with field errors (400), as an InputError that names the action's
 * inputs instead of Jira's field ids (`inputOf` maps them; unmapped ids are named as they are).
 * Other failures are passed on as they are: their messages already name the instance and the
 * call, never a credential.
 */
export function refusedWrite(
  error: unknown,
  what: string,
  inputOf: (jiraField: string) => string | undefined,
): unknown {
  if (
    !(error instanceof JiraError) ||
    error.kind !== 'badRequest' ||
    Object.keys(error.fieldErrors).length === 0
  ) {
    return error;
  }
  const problems = Object.entries(error.fieldErrors).map(
    ([field, message]) =>
      `${inputOf(field) ?? `${field} (a Jira field)`}: ${message}`,
  );
  return new InputError(
    `Jira instance "${error.instance}" refused ${what}: ${problems.join('; ')}`,
  );
}
