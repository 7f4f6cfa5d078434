export interface Config {
  comet?: {
    /**
     * Which external resources each group's entities may name in their annotations
     * (docs/security.md, "Resource scopes"). Keys are group names in the default namespace, or
     * `<namespace>--<name>`; values map a family (`jenkins`, `sonarqube`, later `jira`, `github`)
     * to patterns written as in that family's annotation, where `*` matches any run of
     * characters: `payments/*` (a Jenkins folder on the default instance),
     * `legacy:payments/*` (on the instance `legacy`), `*:payments/*` (any instance),
     * `payments-*` or `sonarcloud/acme-payments` (SonarQube project keys).
     *
     * An annotation entry outside the entity's owner group's scopes is refused, and the tab
     * says why. Not set: nothing is enforced (the embedded defaults); production start-up
     * refuses to run without it.
     */
    resourceScopes?: {
      [group: string]: {
        [family: string]: string[];
      };
    };
  };
}
