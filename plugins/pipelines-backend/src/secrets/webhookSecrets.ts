import type { Config } from '@backstage/config';

/** A GitHub repository's full name as a key: GitHub compares them case-insensitively. */
export function repositoryKey(fullName: string): string {
  return fullName.toLocaleLowerCase('en-US');
}

const FULL_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * `pipelines.github.repositories.<owner/repo>.webhookSecret`: per repository, the secrets its
 * webhook deliveries are signed with (a list while one is rotated). A repository listed here
 * is verified only with its own secrets, never with `pipelines.github.webhookSecret`.
 * Read as a raw object, since `owner/repo` is not a config key Backstage's reader accepts.
 */
export function readRepositoryWebhookSecrets(
  pipelinesConfig: Config | undefined,
): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  const raw = pipelinesConfig?.getOptional('github.repositories');
  if (raw === undefined) return secrets;
  const where = 'pipelines.github.repositories';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(
      `${where} must be a map of "owner/repo" to { webhookSecret }`,
    );
  }
  for (const [fullName, entry] of Object.entries(raw)) {
    const key = `${where}["${fullName}"]`;
    if (!FULL_NAME.test(fullName)) {
      throw new Error(
        `${key}: expected a repository's full name, "owner/repo"`,
      );
    }
    const value = (entry as { webhookSecret?: unknown } | null)?.webhookSecret;
    const list = Array.isArray(value) ? value : [value];
    if (
      list.length === 0 ||
      list.some(secret => typeof secret !== 'string' || secret === '')
    ) {
      throw new Error(
        `${key}.webhookSecret must be a non-empty string or a list of them`,
      );
    }
    const name = repositoryKey(fullName);
    if (secrets.has(name)) {
      throw new Error(`${key} is listed twice (names are case-insensitive)`);
    }
    secrets.set(name, list as string[]);
  }
  return secrets;
}
