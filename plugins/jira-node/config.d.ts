export interface Config {
  /**
   * Jira instances (Jira Cloud or Jira Data Center/Server) Comet reads and writes issues on,
   * with server-side credentials. Off until configured: the Jira tab says which key to set.
   * Several instances are normal; `jira/project-key: <name>/<KEY>` picks one, and a key without
   * `<name>/` means the instance named `default`, else the only one.
   */
  jira?: {
    instances?: Array<{
      /** The name used in `jira/project-key: <name>/<KEY>`. */
      name: string;
      /** The REST base URL, e.g. https://acme.atlassian.net or https://jira.internal.example.com */
      baseUrl: string;
      /** The URL users open, when it differs from baseUrl (a gateway). Links use it. */
      browseUrl?: string;
      /**
       * `cloud` (REST v3, ADF) or `datacenter` (REST v2, wiki markup). Omitted: detected once
       * from /rest/api/2/serverInfo (`deploymentType`).
       */
      product?: 'cloud' | 'datacenter';
      /** Jira Cloud: the Atlassian account's email, with `apiToken`. */
      email?: string;
      /**
       * Jira Cloud: an API token of `email`'s account (Basic auth).
       * @visibility secret
       */
      apiToken?: string;
      /**
       * Jira Data Center: a personal access token (sent as Bearer).
       * @visibility secret
       */
      personalAccessToken?: string;
      /**
       * Custom fields by the name Comet shows (`Story points: customfield_10016`). Ids differ
       * between instances. `Story points` (or `storyPoints`) feeds sprints and burndowns.
       */
      customFields?: { [name: string]: string };
    }>;
    /** How long reads are cached, in seconds. Default 60. */
    cacheTtlSeconds?: number;
    /** Timeout of each Jira call, in seconds. Default 10. */
    requestTimeoutSeconds?: number;
    /**
     * The longest Retry-After (429/503) a read waits before it gives up and the cache's stale
     * answer is served with a notice, in seconds. Default 10.
     */
    maxRetryWaitSeconds?: number;
    /** Issues per search call. Default 100 (Jira Cloud's maximum is 5000 with few fields). */
    pageSize?: number;
  };
}
